package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digidip/digidip/domain/domaintest"

	"github.com/digidip/digidip/domain"

	"github.com/cayleygraph/cayley/clog"
	"github.com/cayleygraph/quad"

	"github.com/digidip/digidip/store"
	"github.com/digidip/digidip/store/storetest"
	"github.com/digidip/digidip/vocab"
)

const secret = "hunter2-secret"

// No error of Open shows the password of the address, whether it is in the
// user info or a password= parameter, whatever fails.
func TestOpenErrorsHidePasswords(t *testing.T) {
	for _, addr := range []string{
		"postgres://alice:" + secret + "@127.0.0.1:1/x?sslmode=disable&connect_timeout=2",
		"postgres://alice@127.0.0.1:1/x?sslmode=disable&password=" + secret + "&connect_timeout=2",
		"postgres://alice:" + secret + "@127.0.0.1:1/x?sslmode=disable&digidip_prefix=NOT-VALID",
		"postgres://alice:" + secret + "@127.0.0.1:1/x?sslmode=bogus",
	} {
		_, err := store.Open(context.Background(), store.Options{Backend: "postgres", Address: addr})
		if err == nil {
			t.Fatalf("Open(%s) worked", addr)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// Cayley's SQL backend logs the address it could not connect to: the line
// reaches slog without the password.
func TestCayleyLogsHidePasswords(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	clog.Errorf("Couldn't open database at %s: %#v", "postgres://alice:"+secret+"@db/x?password="+secret, errors.New("refused"))
	if out := buf.String(); strings.Contains(out, secret) || !strings.Contains(out, "alice:xxxxx@db") {
		t.Errorf("cayley's log line: %s", out)
	}
}

func TestPGMaxConnsIsChecked(t *testing.T) {
	_, err := store.Open(context.Background(), store.Options{Backend: "postgres", Address: "postgres://127.0.0.1:1/x", PGMaxConns: store.MinPGMaxConns - 1})
	if !errors.Is(err, domain.ErrInvalidArgument) || !strings.Contains(err.Error(), fmt.Sprintf("at least %d", store.MinPGMaxConns)) {
		t.Errorf("PGMaxConns %d: %v", store.MinPGMaxConns-1, err)
	}
}

// blockingWriter holds its export open after the first quad, as a slow
// client would, until release is closed.
type blockingWriter struct {
	started chan<- struct{}
	release <-chan struct{}
	once    sync.Once
}

func (w *blockingWriter) WriteQuad(quad.Quad) error {
	w.once.Do(func() {
		w.started <- struct{}{}
		<-w.release
	})
	return nil
}

func (w *blockingWriter) WriteQuads(qs []quad.Quad) (int, error) {
	for i, q := range qs {
		if err := w.WriteQuad(q); err != nil {
			return i, err
		}
	}
	return len(qs), nil
}

func (w *blockingWriter) Close() error { return nil }

// Many slow exports at once hold no more connections than PGMaxConns, with
// either engine: a projection's come from memory, Cayley's stream on the
// generation's pool, and the others wait for one.
func TestPGMaxConnsBoundsConnections(t *testing.T) {
	for _, engine := range []string{"projection", "cayley"} {
		t.Run(engine, func(t *testing.T) { testPGMaxConnsBoundsConnections(t, engine) })
	}
}

func testPGMaxConnsBoundsConnections(t *testing.T, engine string) {
	addr := storetest.PostgresAddress(t)
	app := fmt.Sprintf("digidip_pool_%d", time.Now().UnixNano())
	addr += "&application_name=" + app
	const maxConns, exports = store.MinPGMaxConns, 10
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Backend: "postgres", Address: addr, PGMaxConns: maxConns, Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Replace(ctx, vocab.Quads(domaintest.Memo())); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("postgres", strings.Split(addr, "?")[0]+"?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	count := func() int {
		var n int
		if err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	started, release := make(chan struct{}, exports), make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, exports)
	// every export ends, by its deadline at the latest
	ectx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for range exports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.WriteQuads(ectx, &blockingWriter{started: started, release: release}); err != nil {
				errs <- err
			}
		}()
	}
	// the exports that got their connections now hold them; give the
	// others time to take more if they could
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("no export started in 10 s: they hold the pool's connections and wait for more")
	}
	most := 0
	for range 20 {
		most = max(most, count())
		time.Sleep(25 * time.Millisecond)
	}
	close(release)
	go func() {
		for range started {
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if most > maxConns {
		t.Errorf("%d connections open at once; PGMaxConns is %d", most, maxConns)
	}
	t.Logf("%s: at most %d connections while %d exports ran", engine, most, exports)
	if most == 0 {
		t.Error("no connection seen: the count is not of this store's")
	}
}
