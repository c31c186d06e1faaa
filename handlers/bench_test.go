package handlers

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/publicurl"
	"answerurl/replay"
	"answerurl/security"
	"answerurl/xmlresp"
)

// benchRouter is the real router as main configures it, logging nowhere.
func benchRouter(b *testing.B) *Router {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := NewRouter(Options{
		Plivo:     security.PlivoTokens{AuthTokens: []string{token}},
		PublicURL: publicurl.PublicURL{TrustedProxies: publicurl.Loopback},
		Speak:     xmlresp.Speak{Text: "Hello, from Plivo", Loop: xmlresp.Loop(3)},
		SMSReply:  "Thanks",
		Replay:    &replay.Guard{Store: replay.NewMemory(1 << 30), Window: time.Minute, Lease: 17 * time.Second},
		Log:       log,
	})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// benchForm is a voice callback of a dozen parameters, the size of a
// typical answer-URL callback. (Plivo sends the A-leg UUIDs on outbound
// calls only; here they stand in for that size, with the measurements of
// bench/README.md made on this form.)
func benchForm() url.Values {
	form := url.Values{}
	call := "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"
	for k, v := range map[string]string{"ALegRequestUUID": call, "ALegUUID": call, "BillRate": "0.0085", "CallStatus": "ringing",
		"CallUUID": call, "CallerName": "+14155550100", "Direction": "inbound", "Event": "StartApp", "From": "14155550100",
		"RequestUUID": call, "SessionStart": "2026-11-25 10:00:00.238707", "To": "14155550111"} {
		form.Set(k, v)
	}
	return form
}

// signedRequests signs n requests to /speak/ ahead, each with its own nonce,
// so that the guard claims a new key each time; sign changes the signature.
func signedRequests(b *testing.B, n int, form url.Values, sign func(string) string) func(i int) *http.Request {
	body := form.Encode()
	sigs := make([]string, n)
	for i := range sigs {
		s, err := security.SignPlivoV3(token, "POST", "http://example.com/speak/", form, fmt.Sprint(i))
		if err != nil {
			b.Fatal(err)
		}
		sigs[i] = sign(s)
	}
	return func(i int) *http.Request {
		r := httptest.NewRequest("POST", "http://example.com/speak/", strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:1"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set(security.HeaderPlivoV3, sigs[i%n])
		r.Header.Set(security.HeaderPlivoV3Nonce, fmt.Sprint(i%n))
		return r
	}
}

// BenchmarkRoute measures the server CPU of one request through the whole
// router, in process: the signed /speak/ (body read, parse, verify, replay
// guard, handler, one log line) next to a bare Gin route with gin.Logger()
// (what gin.Default() gives every Gin app) answering the same bytes. Their
// ns/op ratio is the price of verification (bench/README.md).
func BenchmarkRoute(b *testing.B) {
	h := benchRouter(b)
	bare := gin.New()
	bare.Use(gin.LoggerWithWriter(io.Discard))
	bare.POST("/bare", StaticXML(xmlresp.MustRender(xmlresp.Speak{Text: "Hello, from Plivo", Loop: xmlresp.Loop(3)})))
	form := benchForm()
	body := form.Encode()
	const signed = 1 << 18 // past 2^18 iterations, duplicates: the stored answer
	next := signedRequests(b, signed, form, func(s string) string { return s })
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("POST", "http://example.com/bare", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			bare.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
	b.Run("speak", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			w := httptest.NewRecorder()
			h.ServeHTTP(w, next(i))
			if w.Code != http.StatusOK {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
}
