package publicurl

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

func TestPublicURLResolve(t *testing.T) {
	base, err := ParseBaseURL("https://abc.ngrok-free.app/hooks/")
	if err != nil {
		t.Fatal(err)
	}
	proxy, _ := ParseTrustedProxies("10.0.0.5")
	tests := []struct {
		name       string
		pub        PublicURL
		remote     string
		tls        bool
		header     map[string]string
		want       string
		schemeFrom string
		hostFrom   string
	}{
		{"own scheme and Host", PublicURL{}, "203.0.113.9:5000", false, nil,
			"http://example.com/speak/?a=1", FromPlainHTTP, FromHost},
		{"TLS", PublicURL{}, "203.0.113.9:5000", true, nil,
			"https://example.com/speak/?a=1", FromTLS, FromHost},
		{"forwarded headers from a trusted proxy", PublicURL{TrustedProxies: Loopback}, "127.0.0.1:5000", false,
			map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "abc.ngrok-free.app"},
			"https://abc.ngrok-free.app/speak/?a=1", FromForwardedProto, FromForwardedHost},
		{"last of a chain: the one the trusted proxy added", PublicURL{TrustedProxies: proxy}, "10.0.0.5:1", false,
			map[string]string{"X-Forwarded-Proto": "http, HTTPS", "X-Forwarded-Host": "client-chose.example, b.example"},
			"https://b.example/speak/?a=1", FromForwardedProto, FromForwardedHost},
		{"forwarded headers from anyone else ignored", PublicURL{TrustedProxies: proxy}, "10.0.0.6:1", false,
			map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
			"http://example.com/speak/?a=1", FromPlainHTTP, FromHost},
		{"IPv4-mapped IPv6 peer", PublicURL{TrustedProxies: Loopback}, "[::ffff:127.0.0.1]:1", false,
			map[string]string{"X-Forwarded-Proto": "https"}, "https://example.com/speak/?a=1", FromForwardedProto, FromHost},
		{"junk forwarded values ignored", PublicURL{TrustedProxies: Loopback}, "127.0.0.1:5000", false,
			map[string]string{"X-Forwarded-Proto": "ftp", "X-Forwarded-Host": "a/b"},
			"http://example.com/speak/?a=1", FromPlainHTTP, FromHost},
		{"base URL wins", PublicURL{Base: base, TrustedProxies: Loopback}, "127.0.0.1:5000", false,
			map[string]string{"X-Forwarded-Proto": "http", "X-Forwarded-Host": "other"},
			"https://abc.ngrok-free.app/hooks/speak/?a=1", FromBase, FromBase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://example.com/speak/?a=1", nil)
			r.RemoteAddr = tt.remote
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			got := tt.pub.Resolve(r)
			if got.URL != tt.want || got.SchemeFrom != tt.schemeFrom || got.HostFrom != tt.hostFrom {
				t.Errorf("Resolve = %+v, want %s (scheme from %s, host from %s)", got, tt.want, tt.schemeFrom, tt.hostFrom)
			}
		})
	}
}

func TestParseSettings(t *testing.T) {
	for _, bad := range []string{"ftp://x", "abc.ngrok-free.app", "https://", "https://h/?q=1", "https://u:p@h"} {
		if _, err := ParseBaseURL(bad); err == nil {
			t.Errorf("ParseBaseURL(%q) accepted", bad)
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8, nonsense"); err == nil {
		t.Error("ParseTrustedProxies accepted nonsense")
	}
	p, err := ParseTrustedProxies(" 10.1.2.3/8 ,::1,")
	if err != nil || len(p) != 2 || p[0].String() != "10.0.0.0/8" || p[1].String() != "::1/128" {
		t.Errorf("ParseTrustedProxies = %v, %v", p, err)
	}
}
