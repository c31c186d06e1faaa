package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"

	"answerurl/publicurl"
	"answerurl/security"
)

const publicHost = "abc.ngrok-free.app"

// behindProxy starts the real router on loopback and, in front of it, a
// reverse proxy that forwards as ngrok's agent does: the request goes to the
// local server, with X-Forwarded-Proto and X-Forwarded-Host naming the public
// URL; or, when forwardHeaders is false, with the public Host kept and no
// forwarded headers, as many TLS-terminating proxies do.
func behindProxy(t *testing.T, change func(*Options), forwardHeaders bool, rewritePath func(string) string) (proxyURL string, logs *syncBuffer) {
	return behindProxyFunc(t, change, func(pr *httputil.ProxyRequest) {
		if forwardHeaders {
			pr.Out.Header.Set("X-Forwarded-Proto", "https")
			pr.Out.Header.Set("X-Forwarded-Host", publicHost)
			pr.Out.Header.Set("X-Forwarded-For", "203.0.113.10")
		} else {
			pr.Out.Host = publicHost // a TLS-terminating proxy that keeps Host, and says nothing of https
		}
		if rewritePath != nil {
			pr.Out.URL.Path = rewritePath(pr.Out.URL.Path)
			pr.Out.URL.RawPath = ""
		}
	})
}

// behindProxyFunc is behindProxy with the proxy's rewrite given: tweak
// changes the outgoing request after it is pointed at the server.
func behindProxyFunc(t *testing.T, change func(*Options), tweak func(*httputil.ProxyRequest)) (proxyURL string, logs *syncBuffer) {
	t.Helper()
	h, logs := testRouter(t, change)
	app := httptest.NewServer(h)
	t.Cleanup(app.Close)
	target, _ := url.Parse(app.URL)
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		tweak(pr)
	}}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	return front.URL, logs
}

// sendSigned sends a signed voice callback to proxyURL+path, signed for the
// public URL signedURL, as Plivo would sign it.
func sendSigned(t *testing.T, proxyURL, path, signedURL, tok string) (int, string) {
	t.Helper()
	form := url.Values{"CallUUID": {"c"}, "From": {"1"}, "To": {"2"}}
	sig, err := security.SignPlivoV3(tok, "POST", signedURL, form, nonce)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", proxyURL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(security.HeaderPlivoV3, sig)
	req.Header.Set(security.HeaderPlivoV3Nonce, nonce)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestBehindProxy proves the README's ngrok walkthrough and troubleshooting
// table without ngrok: each misconfiguration is rejected, and the log names
// the setting that fixes it; each fix is then accepted.
func TestBehindProxy(t *testing.T) {
	public := "https://" + publicHost + "/speak/"
	base, _ := publicurl.ParseBaseURL("https://" + publicHost)
	tests := []struct {
		name           string
		change         func(*Options)
		forwardHeaders bool
		rewritePath    func(string) string
		path, signed   string
		token          string
		want           int
		wantLog        []string
	}{
		{name: "ngrok's agent on loopback works out of the box", forwardHeaders: true,
			path: "/speak/", signed: public, want: 200},
		{name: "proxy not trusted", change: func(o *Options) { o.PublicURL.TrustedProxies, _ = publicurl.ParseTrustedProxies("10.0.0.5") },
			forwardHeaders: true, path: "/speak/", signed: public, want: 403,
			wantLog: []string{"would_verify=" + public, "trust the proxy at 127.0.0.1 with TRUSTED_PROXIES",
				`scheme_from="plain HTTP connection"`, "trusted_peer=false", "param_keys=CallUUID,From,To",
				"signature_headers=X-Plivo-Signature-V3,X-Plivo-Signature-V3-Nonce"}},
		{name: "proxy sends no forwarded headers", forwardHeaders: false, path: "/speak/", signed: public, want: 403,
			wantLog: []string{"would_verify=" + public, "set PUBLIC_BASE_URL=https://" + publicHost}},
		{name: "the fix: PUBLIC_BASE_URL", change: func(o *Options) { o.PublicURL.Base = base },
			forwardHeaders: false, path: "/speak/", signed: public, want: 200},
		{name: "PUBLIC_BASE_URL set to another host", change: func(o *Options) { o.PublicURL.Base, _ = publicurl.ParseBaseURL("https://old.ngrok-free.app") },
			forwardHeaders: true, path: "/speak/", signed: public, want: 403,
			wantLog: []string{"PUBLIC_BASE_URL does not match the URL the provider calls: set PUBLIC_BASE_URL=https://" + publicHost}},
		{name: "proxy adds a trailing slash", forwardHeaders: true, rewritePath: func(p string) string { return p + "/" },
			path: "/speak", signed: "https://" + publicHost + "/speak", want: 403,
			wantLog: []string{"would_verify=https://" + publicHost + "/speak ", "signed the path /speak but the request came to /speak/"}},
		{name: "wrong token: no suspect verifies", forwardHeaders: true, path: "/speak/", signed: public, token: "wrong-token-xyz", want: 403,
			wantLog: []string{`would_verify=""`, "no nearby URL verifies either", "set PUBLIC_BASE_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxyURL, logs := behindProxy(t, tt.change, tt.forwardHeaders, tt.rewritePath)
			tok := token
			if tt.token != "" {
				tok = tt.token
			}
			status, body := sendSigned(t, proxyURL, tt.path, tt.signed, tok)
			if status != tt.want {
				t.Fatalf("status %d (%q), want %d; log:\n%s", status, body, tt.want, logs)
			}
			if status == 403 && strings.Contains(body, "<Response") {
				t.Error("a diagnosis is never an acceptance: the 403 carries XML")
			}
			line := logs.String()
			for _, w := range tt.wantLog {
				if !strings.Contains(line, w) {
					t.Errorf("log lacks %q:\n%s", w, line)
				}
			}
			if status == 403 && strings.Count(line, "signature rejected") != 1 {
				t.Errorf("want exactly one warn line per rejection:\n%s", line)
			}
			for _, secret := range []string{token, "wrong-token-xyz", nonce} {
				if strings.Contains(line, secret) {
					t.Errorf("log leaks %q", secret)
				}
			}
		})
	}
}

// TestTroubleshootingTable provokes each row of the README's troubleshooting
// table behind a real reverse proxy, and checks that the warn line shows the
// row's symptom. Every row of the README must have its scenario here.
func TestTroubleshootingTable(t *testing.T) {
	public := "https://" + publicHost + "/speak/"
	forward := func(pr *httputil.ProxyRequest) {
		pr.Out.Header.Set("X-Forwarded-Proto", "https")
		pr.Out.Header.Set("X-Forwarded-Host", publicHost)
	}
	type scenario struct {
		change func(*Options)
		tweak  func(*httputil.ProxyRequest)
		path   string // default /speak/
		signed string // default public
		token  string // default the server's
		times  int    // requests sent, default 1
	}
	scenarios := map[string]scenario{
		"trust the proxy at 127.0.0.1 with TRUSTED_PROXIES": {
			change: func(o *Options) { o.PublicURL.TrustedProxies, _ = publicurl.ParseTrustedProxies("10.0.0.5") }, tweak: forward},
		"the provider signed https:// but the server rebuilt http://": {
			tweak: func(pr *httputil.ProxyRequest) { pr.Out.Host = publicHost }},
		"PUBLIC_BASE_URL does not match the URL the provider calls": {
			change: func(o *Options) { o.PublicURL.Base, _ = publicurl.ParseBaseURL("https://old.ngrok-free.app") }, tweak: forward},
		"signed the path /speak but the request came to /speak/": {tweak: func(pr *httputil.ProxyRequest) {
			forward(pr)
			pr.Out.URL.Path += "/"
		}, path: "/speak", signed: "https://" + publicHost + "/speak"},
		// ngrok --host-header=rewrite: Host is the local address, and nothing names the public one.
		"no nearby URL verifies either": {tweak: func(pr *httputil.ProxyRequest) {}},
		`reason="no signature header`: {tweak: func(pr *httputil.ProxyRequest) {
			forward(pr)
			pr.Out.Header.Del(security.HeaderPlivoV3)
		}},
		`reason="no nonce header`: {tweak: func(pr *httputil.ProxyRequest) {
			forward(pr)
			pr.Out.Header.Del(security.HeaderPlivoV3Nonce)
		}},
		`reason="malformed nonce`: {tweak: func(pr *httputil.ProxyRequest) {
			forward(pr)
			pr.Out.Header.Set(security.HeaderPlivoV3Nonce, "1.2")
		}},
		// nginx on :8443 with proxy_set_header Host $host: the port the provider signed is lost.
		"the proxy drops the port": {tweak: func(pr *httputil.ProxyRequest) {
			pr.Out.Host = publicHost
			pr.Out.Header.Set("X-Forwarded-Proto", "https")
		}, signed: "https://" + publicHost + ":8443/speak/"},
		"diagnosis skipped": {tweak: forward, token: "wrong-token-xyz", times: 8},
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(readme), "## Troubleshooting a 403")
	table, _, _ = strings.Cut(table, "\n## ")
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		rows++
		symptom, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
		sc, ok := scenarios[symptom]
		if !ok {
			t.Errorf("README row %q has no scenario in this test", symptom)
			continue
		}
		t.Run(symptom, func(t *testing.T) {
			proxyURL, logs := behindProxyFunc(t, sc.change, sc.tweak)
			path, signed, tok := or(sc.path, "/speak/"), or(sc.signed, public), or(sc.token, token)
			for i := 0; i < max(sc.times, 1); i++ {
				if status, body := sendSigned(t, proxyURL, path, signed, tok); status != http.StatusForbidden {
					t.Fatalf("status %d (%q), want 403", status, body)
				}
			}
			if !strings.Contains(logs.String(), symptom) {
				t.Errorf("the warn line lacks %q:\n%s", symptom, logs)
			}
		})
	}
	if rows != len(scenarios) {
		t.Errorf("the README has %d rows, this test %d scenarios", rows, len(scenarios))
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
