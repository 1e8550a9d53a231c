//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one `digidip serve` process under attack.
type server struct {
	cmd  *exec.Cmd
	pid  int
	base string // http://host:port
	done chan struct{}
	log  *os.File
}

var servingLine = regexp.MustCompile(`serving on (http://\S+?)/`)

// startServer starts `digidip serve` on store, listening on a free loopback
// port (extra flags come last, so they may name another address), and
// returns once /healthz answers 200. Its output goes to logPath.
func startServer(ctx context.Context, bin, store, logPath string, extra []string) (*server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--store", store, "--addr", "127.0.0.1:0", "--drain", "0s"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = logf
	// The server dies with the runner, so an interrupted run leaves none.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{}), log: logf}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		cmd.Wait()
		close(s.done)
	}()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	select {
	case s.base = <-addr:
	case <-s.done:
		logf.Close()
		return nil, fmt.Errorf("digidip serve exited before listening (see %s)", logPath)
	case <-deadline.C:
		s.stop()
		return nil, fmt.Errorf("digidip serve did not listen within 30 s (see %s)", logPath)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
	for {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-s.done:
			logf.Close()
			return nil, fmt.Errorf("digidip serve exited before it was healthy (see %s)", logPath)
		case <-deadline.C:
			s.stop()
			return nil, fmt.Errorf("digidip serve not healthy within 30 s (see %s)", logPath)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		}
	}
}

// stop ends the server: SIGTERM, then SIGKILL if it has not exited within
// a second (a server still busy with an attack may not).
func (s *server) stop() {
	defer s.log.Close()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return
	case <-time.After(time.Second):
	}
	s.cmd.Process.Kill()
	<-s.done
}

// kill ends the server at once.
func (s *server) kill() { s.cmd.Process.Kill() }

// procStat is what /proc says of a process at one moment.
type procStat struct {
	cpu time.Duration // user + system, all threads
	rss int64         // bytes resident now
	hwm int64         // bytes resident at the peak
}

// userHZ is the unit of /proc/PID/stat's times; Linux fixes it at 100
// whatever the kernel's own tick.
const userHZ = 100

func readProc(pid int) (procStat, error) {
	var p procStat
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return p, err
	}
	// The command name may hold spaces and parentheses: fields are counted
	// from the last ')'. utime and stime are fields 14 and 15.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return p, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return p, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return p, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	p.cpu = time.Duration(ut+st) * time.Second / userHZ

	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return p, fmt.Errorf("/proc/%d/status %s: %w", pid, k, err)
		}
		if k == "VmRSS" {
			p.rss = kb << 10
		} else {
			p.hwm = kb << 10
		}
	}
	return p, nil
}

// resetPeak makes VmHWM start again from the current RSS, so the peak read
// later is the attack's, not the start-up's.
func resetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// watchdog samples a server's /proc every 50 ms, keeps the last sample
// (the process may be gone when the attack ends) and the highest RSS seen,
// and kills the server when its RSS passes the cap.
type watchdog struct {
	mu     sync.Mutex
	last   procStat
	peak   int64
	killed bool
	stopc  chan struct{}
	done   chan struct{}
}

func watch(s *server, rssCap int64) *watchdog {
	w := &watchdog{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if p, err := readProc(s.pid); err == nil {
				w.mu.Lock()
				w.last = p
				w.peak = max(w.peak, p.rss, p.hwm)
				over := p.rss > rssCap
				if over {
					w.killed = true
				}
				w.mu.Unlock()
				if over {
					s.kill()
					return
				}
			}
			select {
			case <-t.C:
			case <-w.stopc:
				return
			case <-s.done:
				return
			}
		}
	}()
	return w
}

func (w *watchdog) stop() (last procStat, peak int64, killed bool) {
	close(w.stopc)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last, w.peak, w.killed
}
