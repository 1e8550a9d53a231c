package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bin is the digidip binary, built once for the end-to-end tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "digidip-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "digidip")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func digidip(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// serve starts `digidip serve` on a free port and returns its base URL.
// syncBuffer is a log a process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve starts `digidip serve` and waits until its store is ready.
func serve(t *testing.T, args ...string) (string, *exec.Cmd, *syncBuffer) {
	t.Helper()
	base, cmd, logs := serveStarting(t, args...)
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base, cmd, logs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never became ready:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serveStarting starts `digidip serve` and returns as soon as it listens,
// before its store is ready.
func serveStarting(t *testing.T, args ...string) (string, *exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := regexp.MustCompile(`http://[0-9.:]+`).FindString(sc.Text()); m != "" {
				line <- m
				io.Copy(io.Discard, stdout)
				return
			}
		}
		close(line)
	}()
	select {
	case url, ok := <-line:
		if !ok {
			t.Fatalf("serve stopped before listening:\n%s", logs)
		}
		return url, cmd, logs
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start:\n%s", logs)
	}
	return "", nil, nil
}

func query(t *testing.T, base, q string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": q})
	res, err := http.Post(base+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || out["errors"] != nil {
		t.Fatalf("%d: %v", res.StatusCode, out)
	}
	return out["data"].(map[string]any)
}

func TestServeEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "digidip.db")
	base, cmd, logs := serve(t, "--store", db, "--drain", "3s")

	data := query(t, base, `{ search(text: "Global Gateway") { id name kind } }`)
	hits := data["search"].([]any)
	if len(hits) == 0 || hits[0].(map[string]any)["id"] != "global-gateway" || hits[0].(map[string]any)["kind"] != "INSTRUMENT" {
		t.Errorf("search Global Gateway: %v", hits)
	}
	res, err := http.Get(base + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()

	probe := func(path string) int {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if l, r := probe("/livez"), probe("/readyz"); l != 200 || r != 200 {
		t.Fatalf("serving: /livez %d, /readyz %d", l, r)
	}

	// SIGTERM drains: /readyz turns 503 while queries are still answered,
	// then the server shuts down cleanly.
	cmd.Process.Signal(syscall.SIGTERM)
	for deadline := time.Now().Add(2 * time.Second); probe("/readyz") != 503; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("/readyz still 200 after SIGTERM")
		}
	}
	if l := probe("/livez"); l != 200 {
		t.Errorf("draining: /livez %d", l)
	}
	query(t, base, `{ entity(id: "global-gateway") { name } }`)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v:\n%s", err, logs)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if !strings.Contains(logs.String(), "loaded=true") || !strings.Contains(logs.String(), "draining") || !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("logs:\n%s", logs)
	}

	// The second start finds the same data in the store and does not reload.
	base, _, logs = serve(t, "--store", db)
	query(t, base, `{ stats { entities } }`)
	if !strings.Contains(logs.String(), "loaded=false") {
		t.Errorf("the second start reloaded:\n%s", logs)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A curator misspells an entity id: check names the file and line, and a
// load of that data leaves the store exactly as it was.
func TestMisspeltEntityID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	copyDir(t, "data", dir)
	rel := filepath.Join(dir, "graph", "relations", "council-2023.yaml")
	b, _ := os.ReadFile(rel)
	lines := strings.Split(string(b), "\n")
	line := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "object: european-investment-bank" {
			lines[i] = strings.Replace(l, "european-investment-bank", "european-investmnet-bank", 1)
			line = i + 1
			break
		}
	}
	if line < 0 {
		t.Fatal("no relation to the EIB to misspell")
	}
	os.WriteFile(rel, []byte(strings.Join(lines, "\n")), 0o644)

	_, stderr, code := digidip(t, "check", "--data", dir)
	want := rel + ":" + strconv.Itoa(line) + `: unknown entity "european-investmnet-bank" as object (did you mean "european-investment-bank"?)`
	if code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("check: exit %d, stderr:\n%s\nwant a line %q", code, stderr, want)
	}

	db := filepath.Join(t.TempDir(), "db")
	if _, stderr, code := digidip(t, "load", "--store", db); code != 0 {
		t.Fatalf("load: %s", stderr)
	}
	before, _, _ := digidip(t, "export", "--store", db)
	_, stderr, code = digidip(t, "load", "--store", db, "--data", dir)
	if code != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "the store was not changed") {
		t.Errorf("load of bad data: exit %d:\n%s", code, stderr)
	}
	after, _, _ := digidip(t, "export", "--store", db)
	if before != after || len(before) == 0 {
		t.Error("a failed load changed the store")
	}
}

func TestCommands(t *testing.T) {
	for _, c := range []string{"serve", "load", "check", "export"} {
		_, stderr, code := digidip(t, c, "--help")
		if code != 0 || !strings.Contains(stderr, "Usage: digidip "+c) {
			t.Errorf("%s --help: exit %d\n%s", c, code, stderr)
		}
	}
	if _, stderr, code := digidip(t, "nosuch"); code != 2 || !strings.Contains(stderr, `unknown command "nosuch"`) {
		t.Errorf("unknown command: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := digidip(t, "check", "--nosuch"); code != 2 || !strings.Contains(stderr, "flag provided but not defined") {
		t.Errorf("unknown flag: exit %d\n%s", code, stderr)
	}
	stdout, _, code := digidip(t, "check")
	if code != 0 || !strings.Contains(stdout, "data: ok:") {
		t.Errorf("check of the embedded data: exit %d: %s", code, stdout)
	}
	// export -o writes the file whole, or nothing
	out := filepath.Join(t.TempDir(), "graph.nq")
	db := filepath.Join(t.TempDir(), "db")
	digidip(t, "load", "--store", db)
	if _, stderr, code := digidip(t, "export", "--store", db, "-o", out); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	if b, _ := os.ReadFile(out); !bytes.Contains(b, []byte("<https://w3id.org/digidip/entity/global-gateway>")) {
		t.Error("the export lacks Global Gateway")
	}
	bad := filepath.Join(t.TempDir(), "bad.nq")
	if _, _, code := digidip(t, "export", "--store", db, "--format", "nosuch", "-o", bad); code != 1 {
		t.Errorf("unknown format: exit %d", code)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Error("a failed export left a file")
	}
}

// A graph loaded from N-Quads is served as it is: serve does not replace it
// with the data embedded in the binary.
func TestServeKeepsAGraphFromElsewhere(t *testing.T) {
	dir := t.TempDir()
	nq, db := filepath.Join(dir, "g.nq"), filepath.Join(dir, "db")
	if _, stderr, code := digidip(t, "gen", "--quads", "4000", "-o", nq); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := digidip(t, "load", "--store", db, "--nquads", nq); code != 0 {
		t.Fatal(stderr)
	}
	base, _, logs := serve(t, "--store", db)
	data := query(t, base, `{ entity(id: "e1") { name } global: search(text: "Global Gateway") { id } }`)
	if data["entity"] == nil || len(data["global"].([]any)) != 0 {
		t.Errorf("serve replaced the synthetic graph: %v", data)
	}
	if !strings.Contains(logs.String(), "serving it as it is") {
		t.Errorf("serve did not say why it kept the graph:\n%s", logs)
	}
}

// A wrong --store, --backend or --addr makes serve exit 1 with an error
// naming the flag and the value given, before it says that it serves.
func TestServeRefusesBadSettingsBeforeServing(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	db := filepath.Join(dir, "db")
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown backend", []string{"--backend", "nosuch", "--store", db}, []string{"--backend nosuch", `unknown backend "nosuch"`}},
		{"store is a file", []string{"--store", file}, []string{"--store " + file, "not a directory"}},
		{"store under a file", []string{"--store", file + "/db"}, []string{"--store " + file + "/db", "not a directory"}},
		{"not a postgres URL", []string{"--backend", "postgres", "--store", "digidip.db"}, []string{"--backend postgres, --store digidip.db", "postgres:// URL"}},
		{"address without a port", []string{"--store", db, "--addr", "localhost"}, []string{"--addr localhost", "missing port"}},
		{"address in use", []string{"--store", db, "--addr", busy.Addr().String()}, []string{"--addr " + busy.Addr().String(), "address already in use"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := digidipWithin(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, c.args...)...)
			if code != 1 || strings.Contains(stdout, "serving on") || strings.Contains(stdout, "listening on") {
				t.Errorf("exit %d, stdout:\n%s", code, stdout)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// An -o that cannot be written names the path given, not the hidden
// temporary file beside it, and leaves nothing behind.
func TestOutputErrorNamesThePathGiven(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	isDir := filepath.Join(dir, "x.graphml")
	if err := os.Mkdir(isDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, out, want string
		args            []string
	}{
		{"no such directory", filepath.Join(dir, "nonexistent", "dir", "x.graphml"), "no such file or directory", []string{"export", "--format", "graphml"}},
		{"under a file", filepath.Join(file, "x.graphml"), "not a directory", []string{"export", "--format", "graphml"}},
		{"a directory", isDir, "is a directory", []string{"export", "--format", "graphml"}},
		{"csv zip", filepath.Join(dir, "nonexistent", "x.zip"), "no such file or directory", []string{"export", "--format", "csv"}},
		{"csv directory under a file", filepath.Join(file, "tables") + "/", "not a directory", []string{"export", "--format", "csv"}},
		{"gen", filepath.Join(dir, "nonexistent", "g.nq"), "no such file or directory", []string{"gen", "--quads", "100"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := digidipWithin(t, append(c.args, "-o", c.out)...)
			if code != 1 || !strings.Contains(stderr, "-o "+c.out+": "+c.want) {
				t.Errorf("exit %d, want an error naming -o %s: %s; stderr:\n%s", code, c.out, c.want, stderr)
			}
			if strings.Contains(stderr, "/.") {
				t.Errorf("the error names a hidden file:\n%s", stderr)
			}
			left, _ := filepath.Glob(filepath.Join(dir, ".*"))
			if len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}
