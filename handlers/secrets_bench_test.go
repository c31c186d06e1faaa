//go:build unix

package handlers

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"answerurl/publicurl"
	"answerurl/replay"
	"answerurl/security"
	"answerurl/xmlresp"
)

// BenchmarkShapesSecrets is I4 with several secrets, as rotation and
// subaccounts configure them: PLIVO_AUTH_TOKEN=a,b,c with a main account
// token, and two Twilio tokens. A signed request is signed with the first
// (the new one); a forged one is the same bytes with one character of the
// signature changed. Compare forged with signed in cpu-ns/op; bench/README.md
// has the table.
func BenchmarkShapesSecrets(b *testing.B) {
	shapes := []bodyShape{
		{name: "flat form, 15 keys", contentType: "application/x-www-form-urlencoded", body: formHead + "&" + benchForm().Encode()},
		{name: "one 60 KB value", contentType: "application/x-www-form-urlencoded", body: formHead + "&Text=" + strings.Repeat("x", 60<<10)},
		{name: "many keys, form", contentType: "application/x-www-form-urlencoded", body: bodyShapes()[1].body},
	}
	for _, path := range []string{"/speak/", "/twilio/sms"} {
		for _, sh := range shapes {
			for _, forged := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/%s", strings.Trim(strings.ReplaceAll(path, "/", "_"), "_"), sh.name, map[bool]string{false: "signed", true: "forged"}[forged])
				b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) { benchSecrets(b, path, sh, forged) })
			}
		}
	}
}

func benchSecrets(b *testing.B, path string, sh bodyShape, forged bool) {
	h, err := NewRouter(Options{
		Plivo:            security.PlivoTokens{AuthTokens: []string{token, "old-token-b", "subaccount-token-c"}, MainAccountTokens: []string{mainToken}},
		PublicURL:        publicurl.PublicURL{TrustedProxies: publicurl.Loopback},
		Speak:            xmlresp.Speak{Text: "Hello, from Plivo", Loop: xmlresp.Loop(3)},
		SMSReply:         "Thanks",
		TwilioAuthTokens: []string{twilioToken, "old-twilio-token"},
		Replay:           &replay.Guard{Store: replay.NewMemory(1 << 30), Window: time.Minute, Lease: 17 * time.Second},
		Log:              slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxBodyBytes:     1 << 20,
	})
	if err != nil {
		b.Fatal(err)
	}
	next := shapeRequests(b, path, sh, forged)
	if path == "/speak/" { // Plivo signs with the main account's token too: both headers come
		params, _ := parseShape(sh)
		mainSigs := map[string]string{}
		inner := next
		next = func(i int) *http.Request {
			r := inner(i)
			n := r.Header.Get(security.HeaderPlivoV3Nonce)
			if _, ok := mainSigs[n]; !ok {
				sig, _ := security.SignPlivoV3(mainToken, "POST", "http://example.com"+path, params, n)
				if forged {
					sig = map[bool]string{true: "B", false: "A"}[sig[0] == 'A'] + sig[1:]
				}
				mainSigs[n] = sig
			}
			r.Header = r.Header.Clone()
			r.Header.Set(security.HeaderPlivoMainV3, mainSigs[n])
			return r
		}
	}
	want := map[bool]int{false: http.StatusOK, true: http.StatusForbidden}[forged]
	serveEach(b, h, next, want)
}
