package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// digidipWithin runs digidip and fails the test if it has not finished in
// 30 s: a read that hangs (a pipe) must not hang the suite too.
func digidipWithin(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("digidip %s did not finish in 30 s", strings.Join(args, " "))
	}
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// --data holds only data: a pipe, a device, a link leading outside the
// folder or to nothing is refused, with its name, before anything is read.
func TestDataDirRefusesWhatIsNotData(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	if err := os.WriteFile(outside, []byte("- id: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		make  func(dir string) error
		file  string // as the problem names it, under the data dir
		msg   string
		valid bool
	}{
		{"a named pipe", func(dir string) error {
			return syscall.Mkfifo(filepath.Join(dir, "graph", "entities", "pipe.yaml"), 0o644)
		}, "graph/entities/pipe.yaml", "a named pipe (FIFO), not a regular file", false},
		{"a link to a device", func(dir string) error {
			// /dev/null, not /dev/zero: should the check break, this test
			// must not read forever
			return os.Symlink("/dev/null", filepath.Join(dir, "graph", "zero.yaml"))
		}, "graph/zero.yaml", "a symbolic link that leads outside the data directory, to /dev/null", false},
		{"a link to a pipe inside", func(dir string) error {
			if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
				return err
			}
			return os.Symlink("../fifo", filepath.Join(dir, "sources", "p.yaml"))
		}, "fifo", "a named pipe", false},
		{"a link leading outside", func(dir string) error {
			return os.Symlink(outside, filepath.Join(dir, "graph", "entities", "outside.yaml"))
		}, "graph/entities/outside.yaml", "a symbolic link that leads outside the data directory", false},
		{"a link to a directory outside", func(dir string) error {
			return os.Symlink(filepath.Dir(outside), filepath.Join(dir, "graph", "more"))
		}, "graph/more", "a symbolic link that leads outside the data directory", false},
		{"a link to nothing", func(dir string) error {
			return os.Symlink("nowhere.yaml", filepath.Join(dir, "graph", "gone.yaml"))
		}, "graph/gone.yaml", "a symbolic link to nothing", false},
		{"a link inside is data", func(dir string) error {
			return os.Symlink("README.md", filepath.Join(dir, "NOTES.md"))
		}, "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			copyDir(t, "data", dir)
			if err := tc.make(dir); err != nil {
				t.Fatal(err)
			}
			for _, cmd := range []string{"check", "load", "export"} {
				args := []string{cmd, "--data", dir}
				switch cmd {
				case "load":
					args = append(args, "--store", filepath.Join(t.TempDir(), "db"))
				case "export":
					args = append(args, "--format", "nquads", "-o", filepath.Join(t.TempDir(), "out.nq"))
				}
				_, stderr, code := digidipWithin(t, args...)
				if tc.valid {
					if code != 0 {
						t.Errorf("%s: exit %d: %s", cmd, code, stderr)
					}
					continue
				}
				want := filepath.Join(dir, tc.file) + ": " + tc.msg
				if code != 1 || !strings.Contains(stderr, want) {
					t.Errorf("%s: exit %d, want 1 and %q in:\n%s", cmd, code, want, stderr)
				}
			}
		})
	}
}

const password = "Hunter2Pass"

// A password in the store's address is printed nowhere: not in serve's
// retry log, not in a command's error, not in pprof's command line.
func TestStorePasswordIsNeverPrinted(t *testing.T) {
	// nothing listens on port 1: the store never answers
	addr := "postgres://alice:" + password + "@127.0.0.1:1/digidip?sslmode=disable&connect_timeout=1"
	addrParam := "postgres://alice@127.0.0.1:1/digidip?sslmode=disable&password=" + password
	for _, a := range []string{addr, addrParam} {
		for _, cmd := range []string{"load", "export"} {
			args := []string{cmd, "--backend", "postgres", "--store", a}
			if cmd == "export" {
				args = append(args, "--format", "nquads", "-o", filepath.Join(t.TempDir(), "x.nq"))
			}
			out, stderr, code := digidipWithin(t, args...)
			if code == 0 || strings.Contains(out+stderr, password) || !strings.Contains(stderr, "xxxxx") {
				t.Errorf("%s: exit %d, output:\n%s%s", cmd, code, out, stderr)
			}
		}
	}

	pprof := freeAddr(t)
	_, cmd, logs := serveStarting(t, "--backend", "postgres", "--store", addr, "--pprof", pprof)
	deadline := time.Now().Add(20 * time.Second)
	for strings.Count(logs.String(), "retrying") < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	res, err := http.Get("http://" + pprof + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	line, _ := io.ReadAll(res.Body)
	res.Body.Close()
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	out := logs.String()
	if !strings.Contains(out, "store unavailable; retrying") || !strings.Contains(out, "alice:xxxxx@") {
		t.Errorf("serve's log lacks the retries:\n%s", out)
	}
	if strings.Contains(out, password) {
		t.Errorf("serve's log holds the password:\n%s", out)
	}
	if strings.Contains(string(line), password) || !strings.Contains(string(line), "alice:xxxxx@") {
		t.Errorf("pprof's command line: %q", line)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// With --metrics-addr, /metrics moves to a listener of its own; without, it
// answers on --addr to this machine only.
func TestMetricsListener(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db")
	if _, stderr, code := digidipWithin(t, "load", "--store", db); code != 0 {
		t.Fatal(stderr)
	}
	get := func(u string) int {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	base, _, _ := serve(t, "--store", db, "--poll", "0")
	if s := get(base + "/metrics"); s != 200 {
		t.Errorf("/metrics on --addr from loopback: %d", s)
	}
	m := freeAddr(t)
	base, _, logs := serve(t, "--store", db, "--poll", "0", "--metrics-addr", m)
	if s := get(base + "/metrics"); s != 404 {
		t.Errorf("/metrics on --addr with --metrics-addr: %d", s)
	}
	if s := get("http://" + m + "/metrics"); s != 200 {
		t.Errorf("/metrics on --metrics-addr: %d\n%s", s, logs)
	}
	if s := get("http://" + m + "/graphql"); s != 404 {
		t.Errorf("the metrics listener serves the API: %d", s)
	}
}
