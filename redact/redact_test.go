package redact_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/digidip/digidip/redact"
)

const secret = "s3cr%21t"

func TestString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://alice:" + secret + "@db.example:5432/digidip?sslmode=disable",
			"postgres://alice:xxxxx@db.example:5432/digidip?sslmode=disable"},
		{"retry: postgres store postgres://alice:" + secret + "@db/x: dial tcp: refused",
			"retry: postgres store postgres://alice:xxxxx@db/x: dial tcp: refused"},
		{"postgresql://db/x?sslmode=disable&password=" + secret + "&user=alice",
			"postgresql://db/x?sslmode=disable&password=xxxxx&user=alice"},
		{"host=db user=alice password='" + secret + " x' dbname=x",
			"host=db user=alice password=xxxxx dbname=x"},
		{"host=db PASSWORD = " + secret + " dbname=x", "host=db PASSWORD = xxxxx dbname=x"},
		{"sslpassword=" + secret, "sslpassword=xxxxx"},
		// nothing secret: unchanged
		{"postgres://alice@db/x", "postgres://alice@db/x"},
		{"http://127.0.0.1:8080/graphql", "http://127.0.0.1:8080/graphql"},
		{"mailto:someone@example.org", "mailto:someone@example.org"},
		{"a password is needed", "a password is needed"},
	} {
		if got := redact.String(tc.in); got != tc.want {
			t.Errorf("String(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// A password url.Parse and url.String round-trip (escaped) is hidden as well.
func TestStringURLRoundTrip(t *testing.T) {
	u := &url.URL{Scheme: "postgres", User: url.UserPassword("alice", "p@ss:w/rd"), Host: "db", Path: "/x"}
	if got := redact.String(u.String()); strings.Contains(got, "ss") || !strings.Contains(got, "alice:xxxxx@db") {
		t.Errorf("String(%q) = %q", u.String(), got)
	}
}

var errBase = errors.New("base")

func TestError(t *testing.T) {
	err := redact.Error(fmt.Errorf("open postgres://alice:%s@db/x: %w", secret, errBase))
	if strings.Contains(err.Error(), secret) {
		t.Errorf("Error() = %q", err)
	}
	if !errors.Is(err, errBase) {
		t.Error("errors.Is lost the wrapped error")
	}
	if redact.Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}
}

func TestHandler(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		var h slog.Handler = slog.NewTextHandler(&buf, nil)
		if format == "json" {
			h = slog.NewJSONHandler(&buf, nil)
		}
		addr := "postgres://alice:" + secret + "@db/x?password=" + secret
		log := slog.New(redact.Handler(h)).With("store", addr)
		log.Warn("store "+addr+" unavailable",
			"err", fmt.Errorf("dial %s: %w", addr, errBase),
			"url", &url.URL{Scheme: "postgres", User: url.UserPassword("alice", secret), Host: "db"},
			slog.Group("g", "dsn", addr), "n", 3)
		out := buf.String()
		if strings.Contains(out, secret) || strings.Contains(out, "s3cr") {
			t.Errorf("%s log holds the secret: %s", format, out)
		}
		if !strings.Contains(out, "alice:xxxxx@db") || !strings.Contains(out, "3") {
			t.Errorf("%s log lost the rest: %s", format, out)
		}
	}
}
