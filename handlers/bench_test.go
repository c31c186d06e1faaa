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

	"answerurl/replay"
	"answerurl/security"
	"answerurl/xmlresp"
)

// BenchmarkRoute measures one request through the whole router in process:
// the signed /speak/ (body read, parse, verify, replay guard, handler) next
// to /bare/speak, which writes the same bytes with no verification.
func BenchmarkRoute(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := NewRouter(Options{
		Plivo:     security.PlivoTokens{AuthTokens: []string{token}},
		PublicURL: security.PublicURL{TrustedProxies: security.Loopback},
		Speak:     xmlresp.Speak{Text: "Hello, from Plivo", Loop: xmlresp.Loop(3)},
		SMSReply:  "Thanks",
		Replay:    &replay.Guard{Store: replay.NewMemory(1 << 30), Window: time.Minute, Log: log},
		BareRoute: true,
		Log:       log,
	})
	if err != nil {
		b.Fatal(err)
	}
	form := url.Values{}
	call := "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"
	for k, v := range map[string]string{"ALegRequestUUID": call, "ALegUUID": call, "BillRate": "0.0085", "CallStatus": "ringing",
		"CallUUID": call, "CallerName": "+14155550100", "Direction": "inbound", "Event": "StartApp", "From": "14155550100",
		"RequestUUID": call, "SessionStart": "2026-11-25 10:00:00.238707", "To": "14155550111"} {
		form.Set(k, v)
	}
	body := form.Encode()
	// Distinct nonces, signed ahead, so that the guard claims a new key each time.
	const signed = 1 << 18
	sigs := make([]string, signed)
	for i := range sigs {
		sigs[i], _ = security.SignPlivoV3(token, "POST", "http://example.com/speak/", form, fmt.Sprint(i))
	}
	for _, path := range []string{"/bare/speak", "/speak/"} {
		b.Run(strings.Trim(path, "/"), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i = (i + 1) % signed // past 2^18 iterations, duplicates: the stored answer
				r := httptest.NewRequest("POST", "http://example.com"+path, strings.NewReader(body))
				r.RemoteAddr = "127.0.0.1:1"
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if path == "/speak/" {
					r.Header.Set(security.HeaderPlivoV3, sigs[i])
					r.Header.Set(security.HeaderPlivoV3Nonce, fmt.Sprint(i))
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
