package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// waitMain polls a URL until it answers 200 with a given text, and prints
// the milliseconds from --since (a Unix time in ns, taken before the server
// was started or the switch began) to that answer. One process polling
// every few milliseconds measures a start far closer than a shell loop that
// spawns curl, whose own spawning a busy core delays.
func waitMain(args []string) error {
	fs := flag.NewFlagSet("loadgen wait", flag.ContinueOnError)
	url := fs.String("url", "", "the URL to poll")
	body := fs.String("post", "", "POST this body (default: GET)")
	contains := fs.String("contains", "", "text the answer must hold")
	since := fs.Int64("since", 0, "Unix time in ns to measure from (default: now)")
	pid := fs.Int("pid", 0, "give up as soon as this process has exited")
	timeout := fs.Duration("timeout", 20*time.Minute, "give up after this long")
	every := fs.Duration("every", 2*time.Millisecond, "pause between polls")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		fs.Usage()
		return errors.New("--url is required")
	}
	from := time.Now()
	if *since > 0 {
		from = time.Unix(0, *since)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(*timeout)
	for {
		if ok := poll(client, *url, *body, *contains); ok {
			fmt.Println(time.Since(from).Milliseconds())
			return nil
		}
		if *pid > 0 && syscall.Kill(*pid, 0) != nil {
			return fmt.Errorf("process %d exited before %s answered", *pid, *url)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %q within %s", *url, *contains, *timeout)
		}
		time.Sleep(*every)
	}
}

func poll(c *http.Client, url, body, contains string) bool {
	var res *http.Response
	var err error
	if body != "" {
		res, err = c.Post(url, "application/javascript", strings.NewReader(body))
	} else {
		res, err = c.Get(url)
	}
	if err != nil {
		return false
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return err == nil && res.StatusCode == http.StatusOK && strings.Contains(string(b), contains)
}
