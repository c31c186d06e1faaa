// Package handlertest helps a test of your own route: the real router,
// configured for a test, and requests signed as Plivo signs its callbacks
// (V3 for voice URLs, V2 for message URLs), to send it with
// httptest.NewRecorder or to hand to the call simulator.
package handlertest

import (
	"bytes"
	"crypto/rand"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"answerurl/handlers"
	"answerurl/publicurl"
	"answerurl/replay"
	"answerurl/security"
	"answerurl/xmlresp"
)

// Token is the Plivo auth token the router of [NewRouter] accepts.
const Token = "test-auth-token"

// Log is where the router of [NewRouter] logs (text, debug level): a test
// reads it while the handlers write.
type Log struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything logged so far.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// NewRouter is the real router as the server builds it, for a test: it
// accepts requests signed with Token, rebuilds the public URL from the Host
// header (and loopback proxies), answers each callback once with an
// in-memory replay guard, and logs to the Log it returns. change, when not
// nil, changes the options first (your setting, Twilio's token). A router
// that cannot be built fails the test.
func NewRouter(t testing.TB, change func(*handlers.Options)) (*handlers.Router, *Log) {
	t.Helper()
	log := &Log{}
	o := handlers.Options{
		Plivo:     security.PlivoTokens{AuthTokens: []string{Token}},
		PublicURL: publicurl.PublicURL{TrustedProxies: publicurl.Loopback},
		Speak:     xmlresp.Speak{Text: "Hello, from Plivo"},
		Replay:    &replay.Guard{Store: replay.NewMemory(10_000), Window: 15 * time.Minute, Lease: 20 * time.Second},
		Log:       slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if change != nil {
		change(&o)
	}
	r, err := handlers.NewRouter(o)
	if err != nil {
		t.Fatal(err)
	}
	return r, log
}

// VoiceRequest is a POST of form to target, signed with token as Plivo
// signs a voice callback (X-Plivo-Signature-V3, over the URL, the
// parameters and a fresh nonce), as a Plivo voice URL receives it.
func VoiceRequest(token, target string, form url.Values) *http.Request {
	r, nonce := formRequest(target, form)
	sig, err := security.SignPlivoV3(token, http.MethodPost, target, form, nonce)
	if err != nil {
		panic("handlertest: " + err.Error())
	}
	r.Header.Set(security.HeaderPlivoV3, sig)
	r.Header.Set(security.HeaderPlivoV3Nonce, nonce)
	return r
}

// MessageRequest is a POST of form to target, signed with token as Plivo
// signs a message callback (X-Plivo-Signature-V2, over the URL and a fresh
// nonce: the body is not signed).
func MessageRequest(token, target string, form url.Values) *http.Request {
	r, nonce := formRequest(target, form)
	sig, err := security.SignPlivoV2(token, target, nonce)
	if err != nil {
		panic("handlertest: " + err.Error())
	}
	r.Header.Set(security.HeaderPlivoV2, sig)
	r.Header.Set(security.HeaderPlivoV2Nonce, nonce)
	return r
}

// formRequest is an unsigned form POST from loopback, and a fresh nonce of
// 20 digits, as Plivo's are.
func formRequest(target string, form url.Values) (*http.Request, string) {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "127.0.0.1:40000"
	n, _ := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil))
	return r, strings.Repeat("0", 20-len(n.String())) + n.String()
}
