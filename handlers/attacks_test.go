package handlers

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/internal/callback"
	"answerurl/internal/redistest"
	"answerurl/replay/redisstore"
	"answerurl/security"
)

// stores runs test once on each replay store: memory, and a real Redis.
func stores(t *testing.T, test func(t *testing.T, g *guardedRouter)) {
	t.Run("memory", func(t *testing.T) { test(t, newGuarded(t, 1000)) })
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		store, err := redisstore.New(srv.URL(), "answerurl:", 500*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		g := &guardedRouter{}
		g.start(t, store, store.Ping)
		test(t, g)
	})
}

// signedRequest builds a request to target with the given signature headers.
func signedRequest(method, target, contentType, body string, header map[string]string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.RemoteAddr = "127.0.0.1:1"
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return r
}

// TestSplitReplayV2: Plivo's V2 signs URL + nonce with nothing between, so
// the callback signed for /t/sms/ with nonce N is, byte for byte, a
// signature for /t/sms with nonce "/N". That request, with a body of the
// attacker's choosing, must not run the handler.
func TestSplitReplayV2(t *testing.T) {
	stores(t, func(t *testing.T, g *guardedRouter) {
		const n = "05429567804466091622"
		sig, _ := security.SignPlivoV2(token, "http://example.com/t/sms/", n)
		first := serve(g.h, signedRequest("POST", "http://example.com/t/sms/", "application/x-www-form-urlencoded", smsForm.Encode(),
			map[string]string{security.HeaderPlivoV2: sig, security.HeaderPlivoV2Nonce: n}))
		if first.Code != 200 || g.runs.Load() != 1 {
			t.Fatalf("the genuine callback: %d, %d runs", first.Code, g.runs.Load())
		}
		forged := url.Values{"From": {"15550000666"}, "To": {"14155550111"}, "MessageUUID": {"forged-uuid"}}
		w := serve(g.h, signedRequest("POST", "http://example.com/t/sms", "application/x-www-form-urlencoded", forged.Encode(),
			map[string]string{security.HeaderPlivoV2: sig, security.HeaderPlivoV2Nonce: "/" + n}))
		if w.Code != http.StatusForbidden || g.runs.Load() != 1 || strings.Contains(w.Body.String(), "15550000666") {
			t.Fatalf("the split replay: %d %q, %d runs; want 403 and the handler not run", w.Code, w.Body, g.runs.Load())
		}
	})
}

// TestSplitReplayV2SignedKey: where two routes differ by a last character
// (/t/sms and /t/sms1), a split gives a nonce of plain digits: /t/sms1 with
// nonce N is /t/sms with nonce "1N". The route and the nonce are then new,
// but the digest of what was signed, which names the request, is the same:
// the stored answer, no handler run.
func TestSplitReplayV2SignedKey(t *testing.T) {
	stores(t, func(t *testing.T, g *guardedRouter) {
		other := 0
		g.h.Message("/t/sms1", func(c *gin.Context) { other++; c.String(200, "sms1") }, ByParams("MessageUUID"))
		const n = "2222"
		sig, _ := security.SignPlivoV2(token, "http://example.com/t/sms1", n)
		first := serve(g.h, signedRequest("POST", "http://example.com/t/sms1", "application/x-www-form-urlencoded", smsForm.Encode(),
			map[string]string{security.HeaderPlivoV2: sig, security.HeaderPlivoV2Nonce: n}))
		if first.Code != 200 || other != 1 {
			t.Fatalf("the genuine callback: %d", first.Code)
		}
		forged := url.Values{"From": {"15550000666"}, "To": {"14155550111"}, "MessageUUID": {"forged-uuid"}}
		w := serve(g.h, signedRequest("POST", "http://example.com/t/sms", "application/x-www-form-urlencoded", forged.Encode(),
			map[string]string{security.HeaderPlivoV2: sig, security.HeaderPlivoV2Nonce: "1" + n}))
		if g.runs.Load() != 0 || w.Header().Get(HeaderDuplicate) != "1" || w.Body.String() != "sms1" {
			t.Fatalf("the split replay: %d %q, handler ran %d times; want the stored answer", w.Code, w.Body, g.runs.Load())
		}
	})
}

// TestSplitReplayV3: every voice callback has a '.' inside a signed value
// (BillRate=0.0085). V3 signs ... + "." + nonce, so cutting the body there
// and moving the rest into the nonce gives a request with the same
// signature. It must not run the handler, for POST and GET.
func TestSplitReplayV3(t *testing.T) {
	stores(t, func(t *testing.T, g *guardedRouter) {
		form := callback.PlivoVoice("c0ffee00-0000-4000-8000-000000000001", "2026-11-25 10:00:00.238707")
		for method, n := range map[string]string{"POST": "31627761595286130198", "GET": "41627761595286130198"} {
			target, body, contentType := "http://example.com/t/speak/", form.Encode(), "application/x-www-form-urlencoded"
			params := form
			if method == "GET" {
				target, body, contentType, params = target+"?"+form.Encode(), "", "", nil
			}
			sig, err := security.SignPlivoV3(token, method, target, params, n)
			if err != nil {
				t.Fatal(err)
			}
			before := g.runs.Load()
			if w := serve(g.h, signedRequest(method, target, contentType, body,
				map[string]string{security.HeaderPlivoV3: sig, security.HeaderPlivoV3Nonce: n})); w.Code != 200 {
				t.Fatalf("%s: the genuine callback: %d %q", method, w.Code, w.Body)
			}
			// Cut at the '.' in BillRate=0.0085: the keys before BillRate stay
			// (an inbound call has none), the keys after it move into the nonce.
			cut := url.Values{"BillRate": {"0"}}
			nonce := "0085"
			for _, k := range slices.Sorted(maps.Keys(form)) {
				if k < "BillRate" {
					cut[k] = form[k]
				}
				if k <= "BillRate" {
					continue
				}
				if method == "POST" {
					nonce += k + form.Get(k) // body params: key+value, no separator
				} else {
					nonce += "&" + k + "=" + form.Get(k) // query: k=v joined by &
				}
			}
			nonce += "." + n
			// The same signature covers the cut request: this is what makes it a replay.
			if again, _ := security.SignPlivoV3(token, method, "http://example.com/t/speak/", cut, nonce); method == "POST" && again != sig {
				t.Fatalf("the cut request does not carry the same signed string")
			}
			cutTarget, cutBody := "http://example.com/t/speak/", cut.Encode()
			if method == "GET" {
				cutTarget, cutBody = cutTarget+"?"+cut.Encode(), ""
				if again, _ := security.SignPlivoV3(token, "GET", cutTarget, nil, nonce); again != sig {
					t.Fatalf("GET: the cut request does not carry the same signed string")
				}
			}
			w := serve(g.h, signedRequest(method, cutTarget, contentType, cutBody,
				map[string]string{security.HeaderPlivoV3: sig, security.HeaderPlivoV3Nonce: nonce}))
			if w.Code != http.StatusForbidden || g.runs.Load() != before+1 {
				t.Fatalf("%s: the split replay: %d %q, %d runs; want 403 and no handler run", method, w.Code, w.Body, g.runs.Load()-before)
			}
		}
	})
}

// TestTwilioJSONWithoutBodyHash: a JSON body is covered only through
// bodySHA256 in the URL. A signature over the bare URL with any JSON body
// must be refused, not answered from the unsigned body.
func TestTwilioJSONWithoutBodyHash(t *testing.T) {
	h, logs := testRouter(t, func(o *Options) {
		o.TwilioAuthTokens = []string{twilioToken}
		o.SignalWireSigningKeys = []string{signalwireKey}
	})
	for _, route := range []struct{ path, header, secret string }{
		{"/twilio/sms/", security.HeaderTwilio, twilioToken},
		{"/signalwire/sms/", security.HeaderSignalWire, signalwireKey},
	} {
		target := "http://example.com" + route.path
		var sig string
		if route.header == security.HeaderTwilio {
			sig, _ = security.SignTwilio(route.secret, target, nil)
		} else {
			sig, _ = security.SignSignalWire(route.secret, target, nil)
		}
		body := `{"From":"+15550000666","To":"+14155550111","Body":"forged","MessageSid":"SMforged"}`
		w := serve(h, signedRequest("POST", target, "application/json", body, map[string]string{route.header: sig}))
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "body not covered by the signature") {
			t.Errorf("%s: %d %q; want 403 saying the body is unsigned", route.path, w.Code, w.Body)
		}
	}
	if strings.Contains(logs.String(), "message received") {
		t.Error("a handler ran on an unsigned body")
	}
}

// TestHeadersBeforeBody: without a signature header, or with a malformed
// nonce, the request is refused before its body is read: a malformed or
// oversized body gets the same 403 as any unsigned request.
func TestHeadersBeforeBody(t *testing.T) {
	h, _ := testRouter(t, nil)
	for name, header := range map[string]map[string]string{
		"no signature":     nil,
		"no nonce":         {security.HeaderPlivoV3: "AAAA"},
		"malformed nonce":  {security.HeaderPlivoV3: "AAAA", security.HeaderPlivoV3Nonce: "1.2"},
		"V2 on a V3 route": {security.HeaderPlivoV2: "AAAA", security.HeaderPlivoV2Nonce: "12"},
	} {
		for _, body := range []string{"From=%zz", strings.Repeat("x", 2*DefaultMaxBodyBytes)} {
			r := signedRequest("POST", "http://example.com/speak/", "application/x-www-form-urlencoded", body, header)
			read := &countingReader{r: r.Body}
			r.Body = read
			if w := serve(h, r); w.Code != http.StatusForbidden || read.n != 0 {
				t.Errorf("%s, body of %d bytes: %d, %d bytes read; want 403 before reading", name, len(body), w.Code, read.n)
			}
		}
	}
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func (c *countingReader) Close() error { return nil }

// TestDiagnosisBounded: a mismatch is explained in the log at most a few
// times a second; beyond that, forged requests cost one verification each.
func TestDiagnosisBounded(t *testing.T) {
	h, logs := testRouter(t, nil)
	for i := 0; i < 40; i++ {
		c := call{method: "GET", target: "http://example.com/speak/", sigToken: "forger"}
		if w := c.do(t, h); w.Code != 403 {
			t.Fatalf("forged: %d", w.Code)
		}
	}
	diagnosed := strings.Count(logs.String(), "no nearby URL verifies either")
	skipped := strings.Count(logs.String(), "diagnosis skipped")
	if diagnosed < 1 || diagnosed > 10 || diagnosed+skipped != 40 {
		t.Fatalf("%d diagnoses and %d skipped of 40 mismatches; want at most 5 a second", diagnosed, skipped)
	}
}

// TestForwardedHostRightmost: with several X-Forwarded-Host values, the one
// the trusted proxy appended (the right-most) is verified, not the one the
// client put first.
func TestForwardedHostRightmost(t *testing.T) {
	h, _ := testRouter(t, nil)
	for _, tt := range []struct {
		signed string
		want   int
	}{
		{"https://public.example/speak/", 200},
		{"https://client-chose.example/speak/", 403},
	} {
		c := call{method: "GET", target: "http://localhost:8080/speak/", signedURL: tt.signed, header: map[string]string{
			"X-Forwarded-Proto": "https", "X-Forwarded-Host": "client-chose.example, public.example"}}
		if w := c.do(t, h); w.Code != tt.want {
			t.Errorf("signed for %s: %d, want %d", tt.signed, w.Code, tt.want)
		}
	}
}

// TestLeaseRunsOut: a request whose handler never finishes (its replica
// died, as far as the store can tell) holds its keys for one lease only: the
// provider's retry after it is handled, and the first request's late
// completion does not overwrite the retry's answer.
func TestLeaseRunsOut(t *testing.T) {
	stores(t, func(t *testing.T, g *guardedRouter) {
		g.h.replay.Lease = 300 * time.Millisecond
		stuck, release := make(chan struct{}), make(chan struct{})
		g.setBefore(func(c *gin.Context) bool {
			close(stuck)
			<-release
			c.String(http.StatusOK, "late answer")
			return false
		})
		done := make(chan *httptest.ResponseRecorder)
		go func() { done <- serve(g.h, smsRequest(t, "111", smsForm)) }()
		<-stuck
		g.setBefore(nil)
		if w := serve(g.h, smsRequest(t, "222", smsForm)); w.Code != http.StatusConflict {
			t.Fatalf("a retry within the lease: %d, want 409", w.Code)
		}
		time.Sleep(400 * time.Millisecond)
		retry := serve(g.h, smsRequest(t, "333", smsForm))
		if retry.Code != 200 || !strings.Contains(retry.Body.String(), "<Message") || g.runs.Load() != 2 {
			t.Fatalf("the retry after the lease: %d %q, %d runs; want it handled", retry.Code, retry.Body, g.runs.Load())
		}
		close(release)
		<-done
		w := serve(g.h, smsRequest(t, "333", smsForm))
		if w.Body.String() != retry.Body.String() || w.Header().Get(HeaderDuplicate) != "1" {
			t.Fatalf("after the late completion: %q; want the retry's answer", w.Body)
		}
		if !strings.Contains(g.logs.String(), "lease ran out") {
			t.Error("the late completion is not logged")
		}
	})
}
