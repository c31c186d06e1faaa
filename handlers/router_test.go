package handlers

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"answerurl/publicurl"
	"answerurl/security"
	"answerurl/xmlresp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func init() { gin.SetMode(gin.TestMode) }

const (
	token     = "test-auth-token"
	mainToken = "test-main-token"
	nonce     = "05429567804466091622"
)

// syncBuffer is a log destination that tests can read while handlers write.
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

// testRouter returns the real router, configured as in production unless
// change says otherwise, and the log it writes.
func testRouter(t testing.TB, change func(*Options)) (*Router, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	o := Options{
		Plivo:     security.PlivoTokens{AuthTokens: []string{"old-token", token}, MainAccountTokens: []string{mainToken}},
		PublicURL: publicurl.PublicURL{TrustedProxies: publicurl.Loopback},
		Speak:     xmlresp.Speak{Text: "Hello, from Plivo", Loop: xmlresp.Loop(3)},
		SMSReply:  "Thanks, we got your message.",
		Log:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if change != nil {
		change(&o)
	}
	h, err := NewRouter(o)
	if err != nil {
		t.Fatal(err)
	}
	return h, logs
}

// call describes one request to the router.
type call struct {
	method, target string // target as sent: http://example.com/speak/?a=1
	signedURL      string // the URL to sign; default target
	contentType    string
	body           string
	params         url.Values // what the signature covers for a V3 POST
	v2             bool       // sign with V2 instead of V3
	sigToken       string     // default token
	header         map[string]string
	remote         string // default 127.0.0.1:40000
	noSign         bool
}

func (c call) do(t testing.TB, h http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
	r.RemoteAddr = "127.0.0.1:40000"
	if c.remote != "" {
		r.RemoteAddr = c.remote
	}
	if c.contentType != "" {
		r.Header.Set("Content-Type", c.contentType)
	}
	if !c.noSign {
		signed, tok := c.target, token
		if c.signedURL != "" {
			signed = c.signedURL
		}
		if c.sigToken != "" {
			tok = c.sigToken
		}
		if c.v2 {
			sig, _ := security.SignPlivoV2(tok, signed, nonce) // "" when unsignable
			r.Header.Set(security.HeaderPlivoV2, sig)
			r.Header.Set(security.HeaderPlivoV2Nonce, nonce)
		} else {
			sig, _ := security.SignPlivoV3(tok, c.method, signed, c.params, nonce) // "" when unsignable
			r.Header.Set(security.HeaderPlivoV3, sig)
			r.Header.Set(security.HeaderPlivoV3Nonce, nonce)
		}
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update && !strings.HasPrefix(name, "plivo-xml/") { // those are Plivo's builder's: testdata/gen/callflow.js
		os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

var voiceForm = url.Values{"CallUUID": {"c0ffee"}, "From": {"14155550100"}, "To": {"14155550111"}, "Direction": {"inbound"}}
var smsForm = url.Values{"From": {"14155550100"}, "To": {"14155550111"}, "Type": {"sms"}, "Text": {"hi"}, "MessageUUID": {"m-1"}}

func TestAnswerURLs(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name       string
		call       call
		wantStatus int
		golden     string // expected XML body, for a 200
	}{
		{"speak POST form", call{method: "POST", target: "http://example.com/speak/", contentType: form,
			body: voiceForm.Encode(), params: voiceForm}, 200, "plivo-xml/speak.xml"},
		{"speak POST form with query", call{method: "POST", target: "http://example.com/speak/?flow=ivr&step=2", contentType: form,
			body: voiceForm.Encode(), params: voiceForm}, 200, "plivo-xml/speak.xml"},
		{"speak POST JSON", call{method: "POST", target: "http://example.com/speak/", contentType: "application/json; charset=utf-8",
			body:   `{"From":"14155550100","Digits":["2","1"],"Extra":{"b":true}}`,
			params: url.Values{"From": {"14155550100"}, "Digits": {"1", "2"}, "Extra": {"bTrue"}}}, 200, "plivo-xml/speak.xml"},
		{"speak GET", call{method: "GET", target: "http://example.com/speak/?" + voiceForm.Encode()}, 200, "plivo-xml/speak.xml"},
		{"speak without trailing slash", call{method: "GET", target: "http://example.com/speak?a=1"}, 200, "plivo-xml/speak.xml"},
		{"speak signed with slash, sent without", call{method: "GET", target: "http://example.com/speak",
			signedURL: "http://example.com/speak/"}, 403, ""},
		{"speak main-account header only", call{method: "GET", target: "http://example.com/speak/", noSign: true,
			header: map[string]string{security.HeaderPlivoMainV3: mustV3(t, mainToken, "GET", "http://example.com/speak/"), security.HeaderPlivoV3Nonce: nonce}}, 200, "plivo-xml/speak.xml"},
		{"speak several signatures", call{method: "GET", target: "http://example.com/speak/", noSign: true,
			header: map[string]string{security.HeaderPlivoV3: "AAAA, " + mustV3(t, token, "GET", "http://example.com/speak/"), security.HeaderPlivoV3Nonce: nonce}}, 200, "plivo-xml/speak.xml"},
		{"speak tampered body", call{method: "POST", target: "http://example.com/speak/", contentType: form,
			body: voiceForm.Encode() + "&Digits=1", params: voiceForm}, 403, ""},
		{"speak wrong token", call{method: "GET", target: "http://example.com/speak/", sigToken: "nope"}, 403, ""},
		{"speak unsigned", call{method: "GET", target: "http://example.com/speak/", noSign: true}, 403, ""},
		{"speak V2 signature", call{method: "GET", target: "http://example.com/speak/", v2: true}, 403, ""},
		{"speak malformed form", call{method: "POST", target: "http://example.com/speak/", contentType: form, body: "From=%zz"}, 400, ""},
		{"speak malformed JSON", call{method: "POST", target: "http://example.com/speak/", contentType: "application/json", body: `{"From":`}, 400, ""},
		{"speak JSON array", call{method: "POST", target: "http://example.com/speak/", contentType: "application/json", body: `["x"]`}, 400, ""},
		{"speak malformed query", call{method: "GET", target: "http://example.com/speak/?a=%zz", noSign: true,
			header: map[string]string{security.HeaderPlivoV3: "AAAA", security.HeaderPlivoV3Nonce: nonce}}, 400, ""},
		{"speak unsupported content type", call{method: "POST", target: "http://example.com/speak/", contentType: "text/plain", body: "hi"}, 415, ""},
		{"speak body too large", call{method: "POST", target: "http://example.com/speak/", contentType: form,
			body: "a=" + strings.Repeat("x", DefaultMaxBodyBytes)}, 413, ""},
		{"speak PUT", call{method: "PUT", target: "http://example.com/speak/"}, 405, ""},
		{"speak DELETE", call{method: "DELETE", target: "http://example.com/speak"}, 405, ""},

		{"sms POST", call{method: "POST", target: "http://example.com/receive_sms/", contentType: form,
			body: smsForm.Encode(), v2: true}, 200, "plivo-xml/receive_sms.xml"},
		{"sms GET", call{method: "GET", target: "http://example.com/receive_sms?" + smsForm.Encode(), v2: true}, 200, "plivo-xml/receive_sms.xml"},
		{"sms main-account header only", call{method: "POST", target: "http://example.com/receive_sms/", contentType: form,
			body: smsForm.Encode(), noSign: true, header: map[string]string{
				security.HeaderPlivoMainV2: mustV2(t, mainToken, "http://example.com/receive_sms/"), security.HeaderPlivoV2Nonce: nonce}}, 200, "plivo-xml/receive_sms.xml"},
		{"sms V3 signature", call{method: "POST", target: "http://example.com/receive_sms/", contentType: form,
			body: smsForm.Encode(), params: smsForm}, 403, ""},
		{"sms other path", call{method: "POST", target: "http://example.com/receive_sms/", signedURL: "http://example.com/speak/",
			contentType: form, body: smsForm.Encode(), v2: true}, 403, ""},
		{"sms missing From", call{method: "POST", target: "http://example.com/receive_sms/", contentType: form,
			body: "To=1&Text=hi", v2: true}, 400, ""},
		{"sms unanswerable From", call{method: "POST", target: "http://example.com/receive_sms/", contentType: form,
			body: "To=14155550111&From=%01", v2: true}, 400, ""},
		{"sms From holding several recipients", call{method: "POST", target: "http://example.com/receive_sms/", contentType: form,
			body: "To=14155550111&From=15550000001%3C15550000002", v2: true}, 400, ""},
		{"sms To holding a space", call{method: "POST", target: "http://example.com/receive_sms/", contentType: form,
			body: "To=1415+5550111&From=15550000001", v2: true}, 400, ""},
		{"sms alphanumeric sender ID", call{method: "POST", target: "http://example.com/receive_sms/", contentType: form,
			body: "To=14155550111&From=PLIVO&MessageUUID=m-9", v2: true}, 200, "receive_sms_sender_id.xml"},
		{"sms JSON body", call{method: "POST", target: "http://example.com/receive_sms/", contentType: "application/json",
			body: `{"From":"14155550100","To":"14155550111","Type":"sms","Text":"hi","MessageUUID":"m-1"}`, v2: true}, 200, "plivo-xml/receive_sms.xml"},
		{"sms PATCH", call{method: "PATCH", target: "http://example.com/receive_sms/", v2: true}, 405, ""},

		{"unknown path", call{method: "GET", target: "http://example.com/nope"}, 404, ""},
		{"healthz", call{method: "GET", target: "http://example.com/healthz", noSign: true}, 200, ""},
	}
	h, logs := testRouter(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := strings.Count(logs.String(), "message received")
			w := tt.call.do(t, h)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %q", w.Code, tt.wantStatus, w.Body)
			}
			body := w.Body.String()
			if tt.golden != "" {
				if ct := w.Header().Get("Content-Type"); ct != XMLContentType {
					t.Errorf("Content-Type = %q", ct)
				}
				golden(t, tt.golden, w.Body.Bytes())
				return
			}
			if strings.Contains(body, "<Response") {
				t.Errorf("a %d carries XML: %q", w.Code, body)
			}
			if w.Code >= 400 {
				if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || len(body) == 0 || len(body) > 200 {
					t.Errorf("a %d should carry a short plain-text reason, got %q (%s)", w.Code, body, ct)
				}
				if after := strings.Count(logs.String(), "message received"); w.Code == 403 && after != before {
					t.Error("the message handler ran for a rejected request")
				}
			}
		})
	}
}

func mustV3(t *testing.T, tok, method, u string) string {
	s, err := security.SignPlivoV3(tok, method, u, nil, nonce)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustV2(t *testing.T, tok, u string) string {
	s, err := security.SignPlivoV2(tok, u, nonce)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPublicURL covers the ways the signed URL is rebuilt behind a proxy.
func TestPublicURL(t *testing.T) {
	public := "https://abc.ngrok-free.app/speak/"
	forwarded := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "abc.ngrok-free.app"}
	base, _ := publicurl.ParseBaseURL("https://abc.ngrok-free.app")
	tests := []struct {
		name   string
		opts   func(*Options)
		call   call
		status int
	}{
		{"ngrok agent on loopback is trusted by default", nil,
			call{method: "GET", target: "http://localhost:8080/speak/", signedURL: public, header: forwarded}, 200},
		{"forwarded headers from an untrusted peer are ignored", nil,
			call{method: "GET", target: "http://localhost:8080/speak/", signedURL: public, header: forwarded, remote: "198.51.100.7:1234"}, 403},
		{"a configured proxy is trusted", func(o *Options) { o.PublicURL.TrustedProxies, _ = publicurl.ParseTrustedProxies("10.0.0.5") },
			call{method: "GET", target: "http://localhost:8080/speak/", signedURL: public, header: forwarded, remote: "10.0.0.5:1234"}, 200},
		{"trusting no proxy ignores loopback too", func(o *Options) { o.PublicURL.TrustedProxies = nil },
			call{method: "GET", target: "http://localhost:8080/speak/", signedURL: public, header: forwarded}, 403},
		{"PUBLIC_BASE_URL wins over the headers", func(o *Options) { o.PublicURL.Base = base },
			call{method: "GET", target: "http://localhost:8080/speak/", signedURL: public,
				header: map[string]string{"X-Forwarded-Host": "evil.example"}, remote: "198.51.100.7:1234"}, 200},
		{"PUBLIC_BASE_URL: a signature on the local URL fails", func(o *Options) { o.PublicURL.Base = base },
			call{method: "GET", target: "http://localhost:8080/speak/"}, 403},
		{"a forged Host from the internet does not help", nil,
			call{method: "GET", target: "http://localhost:8080/speak/", signedURL: "http://other.example/speak/",
				header: map[string]string{"X-Forwarded-Host": "other.example"}, remote: "198.51.100.7:1"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := testRouter(t, tt.opts)
			if w := tt.call.do(t, h); w.Code != tt.status {
				t.Fatalf("status = %d, want %d (%q)", w.Code, tt.status, w.Body)
			}
		})
	}
}

// TestRejectionLog checks the one warn line a rejection writes: it names the
// URL and where it came from, and carries no token, signature or nonce.
func TestRejectionLog(t *testing.T) {
	h, logs := testRouter(t, nil)
	c := call{method: "GET", target: "http://localhost:8080/speak/", sigToken: "wrong-token"}
	if w := c.do(t, h); w.Code != 403 {
		t.Fatalf("status %d", w.Code)
	}
	line := logs.String()
	for _, want := range []string{"level=WARN", "signature rejected", "url=http://localhost:8080/speak/", `host_from="Host header"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log lacks %q: %s", want, line)
		}
	}
	sig := mustV3(t, "wrong-token", "GET", "http://localhost:8080/speak/")
	for _, secret := range []string{token, mainToken, "wrong-token", sig, sig[:16], nonce} {
		if strings.Contains(line, secret) {
			t.Errorf("log leaks %q: %s", secret, line)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	h, _ := testRouter(t, func(o *Options) { o.MaxBodyBytes = 10 })
	c := call{method: "POST", target: "http://example.com/speak/", contentType: "application/x-www-form-urlencoded", body: "From=12345678"}
	if w := c.do(t, h); w.Code != 413 {
		t.Fatalf("status = %d, want 413", w.Code)
	}
	// Without a Content-Length, the limit is enforced while reading.
	r := httptest.NewRequest("POST", "http://example.com/speak/", io.MultiReader(strings.NewReader("From=12345678")))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set(security.HeaderPlivoV3, "AAAA")
	r.Header.Set(security.HeaderPlivoV3Nonce, nonce)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 413 {
		t.Fatalf("chunked: status = %d, want 413", w.Code)
	}
}
