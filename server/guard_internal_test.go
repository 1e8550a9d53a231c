package server

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClientAddrAndKey(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 2001:db8:ffff::1 ,127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		remote  string
		xff     []string
		trusted bool // use proxies
		key     string
	}{
		{"IPv4 by address", "203.0.113.7:5555", nil, false, "203.0.113.7"},
		{"IPv6 by /64", "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443", nil, false, "2001:db8:1:2::/64"},
		{"IPv6 neighbour in the same /64", "[2001:db8:1:2::1]:443", nil, false, "2001:db8:1:2::/64"},
		{"IPv6 in another /64", "[2001:db8:1:3::1]:443", nil, false, "2001:db8:1:3::/64"},
		{"IPv4-mapped IPv6 is IPv4", "[::ffff:203.0.113.7]:1", nil, false, "203.0.113.7"},
		{"zone dropped", "[fe80::1%eth0]:1", nil, false, "fe80::/64"},
		{"header ignored without trusted proxies", "203.0.113.7:1", []string{"198.51.100.1"}, false, "203.0.113.7"},
		{"header ignored from an untrusted peer", "203.0.113.7:1", []string{"198.51.100.1"}, true, "203.0.113.7"},
		{"from a trusted proxy: the client it names", "10.1.2.3:1", []string{"198.51.100.1"}, true, "198.51.100.1"},
		{"spoofed left entries ignored", "10.1.2.3:1", []string{"1.1.1.1, 2.2.2.2, 198.51.100.1"}, true, "198.51.100.1"},
		{"chain of trusted proxies", "127.0.0.1:1", []string{"198.51.100.1, 10.9.9.9", "2001:db8:ffff::1"}, true, "198.51.100.1"},
		{"IPv6 client behind a proxy by /64", "10.1.2.3:1", []string{"2001:db8:5:6::77"}, true, "2001:db8:5:6::/64"},
		{"garbage right of the client: the last good hop", "10.1.2.3:1", []string{"198.51.100.1, not-an-ip"}, true, "10.1.2.3"},
		{"only trusted hops: the left-most", "10.1.2.3:1", []string{"10.4.4.4, 10.5.5.5"}, true, "10.4.4.4"},
		{"no header from a trusted proxy: the proxy", "10.1.2.3:1", nil, true, "10.1.2.3"},
		{"empty entries skipped", "10.1.2.3:1", []string{"198.51.100.1, ,"}, true, "198.51.100.1"},
		{"a remote address that is no address", "pipe", nil, false, "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/graphql", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			var trusted = proxies
			if !tc.trusted {
				trusted = nil
			}
			if got := clientKey(clientAddr(r, trusted)); got != tc.key {
				t.Errorf("key %q, want %q", got, tc.key)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want: the prefixes joined, or the error's part
		bad      bool
	}{
		{"", "", false},
		{"10.0.0.0/8", "10.0.0.0/8", false},
		{"10.1.2.3/8,::1", "10.0.0.0/8 ::1/128", false},
		{"192.0.2.1", "192.0.2.1/32", false},
		{"proxy.example", `"proxy.example" is neither`, true},
		{"10.0.0.0/33", `"10.0.0.0/33"`, true},
	} {
		ps, err := ParseTrustedProxies(tc.in)
		if tc.bad {
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: %v, want an error with %q", tc.in, err, tc.want)
			}
			continue
		}
		got := ""
		for i, p := range ps {
			if i > 0 {
				got += " "
			}
			got += p.String()
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
