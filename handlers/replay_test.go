package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/replay"
	"answerurl/security"
)

// guardedRouter is the real router with a replay guard, plus two routes
// added as a user adds theirs (Router.Voice and Router.Message), whose
// handlers are counted and can be made to misbehave.
type guardedRouter struct {
	h     *Router
	logs  *syncBuffer
	store replay.Store
	runs  atomic.Int32
	// before, when set, runs before the real handler; it may write an answer
	// and return false to skip the real handler.
	before func(c *gin.Context) bool
	mu     sync.Mutex
}

func newGuarded(t *testing.T, maxEntries int) *guardedRouter {
	g := &guardedRouter{}
	g.start(t, replay.NewMemory(maxEntries), nil)
	return g
}

// start builds the guarded router on store.
func (g *guardedRouter) start(t *testing.T, store replay.Store, ready func(context.Context) error) {
	g.store = store
	g.h, g.logs = testRouter(t, func(o *Options) {
		o.Ready = ready
		o.Replay = &replay.Guard{Store: store, Window: 15 * time.Minute, Lease: 20 * time.Second}
	})
	counted := func(h gin.HandlerFunc) gin.HandlerFunc {
		return func(c *gin.Context) {
			g.runs.Add(1)
			g.mu.Lock()
			before := g.before
			g.mu.Unlock()
			if before != nil && !before(c) {
				return
			}
			h(c)
		}
	}
	g.h.Message("/t/sms", counted(mustMake(ReceiveSMS("Thanks, we got your message.", g.h.log))), ByParams("MessageUUID"))
	g.h.Voice("/t/speak", counted(StaticXML([]byte("<Response><Speak>t</Speak></Response>"))), BySignature)
}

func (g *guardedRouter) setBefore(f func(*gin.Context) bool) {
	g.mu.Lock()
	g.before = f
	g.mu.Unlock()
}

// smsRequest is a signed message callback with the given nonce and body.
func smsRequest(t *testing.T, n string, form url.Values) *http.Request {
	r := httptest.NewRequest("POST", "http://example.com/t/sms/", strings.NewReader(form.Encode()))
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sig, _ := security.SignPlivoV2(token, "http://example.com/t/sms/", n)
	r.Header.Set(security.HeaderPlivoV2, sig)
	r.Header.Set(security.HeaderPlivoV2Nonce, n)
	return r
}

func speakRequest(t *testing.T, n string) *http.Request {
	return speakRequestTo(t, "http://example.com/t/speak/", n)
}

// speakRequestTo is a signed GET of target, a voice callback.
func speakRequestTo(t *testing.T, target, n string) *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	r.RemoteAddr = "127.0.0.1:1"
	sig, _ := security.SignPlivoV3(token, "GET", target, nil, n)
	r.Header.Set(security.HeaderPlivoV3, sig)
	r.Header.Set(security.HeaderPlivoV3Nonce, n)
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestReplayAnsweredOnce(t *testing.T) {
	g := newGuarded(t, 100)
	first := serve(g.h, smsRequest(t, "n1", smsForm))
	if first.Code != 200 || g.runs.Load() != 1 {
		t.Fatalf("first: %d, %d runs", first.Code, g.runs.Load())
	}
	// The same request again: a replay, or a retry that kept its nonce.
	again := serve(g.h, smsRequest(t, "n1", smsForm))
	if again.Code != 200 || again.Body.String() != first.Body.String() || again.Header().Get("Content-Type") != first.Header().Get("Content-Type") ||
		again.Header().Get(HeaderDuplicate) != "1" || g.runs.Load() != 1 {
		t.Fatalf("replay: %d %q, %d runs", again.Code, again.Body, g.runs.Load())
	}
	// V2 does not sign the body: a replay with another body still gets the original answer.
	forged := url.Values{"From": {"19995550000"}, "To": {"14155550111"}, "Text": {"forged"}, "MessageUUID": {"m-forged"}}
	w := serve(g.h, smsRequest(t, "n1", forged))
	if w.Body.String() != first.Body.String() || strings.Contains(w.Body.String(), "19995550000") || g.runs.Load() != 1 {
		t.Fatalf("V2 replay with another body: %q, %d runs", w.Body, g.runs.Load())
	}
	// A genuine retry with a fresh nonce but the same MessageUUID is handled once.
	w = serve(g.h, smsRequest(t, "n2", smsForm))
	if w.Body.String() != first.Body.String() || g.runs.Load() != 1 {
		t.Fatalf("retry with a fresh nonce: %q, %d runs", w.Body, g.runs.Load())
	}
	// Another message is handled.
	other := url.Values{"From": {"14155550102"}, "To": {"14155550111"}, "MessageUUID": {"m-2"}}
	if w := serve(g.h, smsRequest(t, "n3", other)); w.Code != 200 || g.runs.Load() != 2 {
		t.Fatalf("another message: %d, %d runs", w.Code, g.runs.Load())
	}
	if n := strings.Count(g.logs.String(), "duplicate request answered"); n != 3 {
		t.Errorf("%d duplicates logged, want 3", n)
	}
	if strings.Count(g.logs.String(), "message received") != 2 {
		t.Errorf("the message handler logged %d messages, want 2", strings.Count(g.logs.String(), "message received"))
	}
}

func TestReplayInFlight(t *testing.T) {
	g := newGuarded(t, 100)
	entered, release := make(chan struct{}), make(chan struct{})
	g.setBefore(func(*gin.Context) bool { close(entered); <-release; return true })
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- serve(g.h, speakRequest(t, "slow")) }()
	<-entered
	g.setBefore(nil)
	w := serve(g.h, speakRequest(t, "slow"))
	if w.Code != http.StatusConflict || w.Header().Get("Retry-After") == "" || strings.Contains(w.Body.String(), "<Response") {
		t.Fatalf("duplicate in flight: %d %q, Retry-After %q", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	close(release)
	if first := <-done; first.Code != 200 || g.runs.Load() != 1 {
		t.Fatalf("first: %d, %d runs", first.Code, g.runs.Load())
	}
	if w := serve(g.h, speakRequest(t, "slow")); w.Code != 200 || g.runs.Load() != 1 {
		t.Fatalf("after: %d, %d runs", w.Code, g.runs.Load())
	}
}

// TestReplayConcurrentDuplicates: many copies at once run the handler exactly once.
func TestReplayConcurrentDuplicates(t *testing.T) {
	g := newGuarded(t, 100)
	g.setBefore(func(*gin.Context) bool { time.Sleep(5 * time.Millisecond); return true })
	const n = 64
	var wg sync.WaitGroup
	codes := make([]int, n)
	bodies := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w := serve(g.h, smsRequest(t, "same", smsForm))
			codes[i], bodies[i] = w.Code, w.Body.String()
		}(i)
	}
	wg.Wait()
	if g.runs.Load() != 1 {
		t.Fatalf("handler ran %d times, want 1", g.runs.Load())
	}
	var ok, conflict int
	for i := range codes {
		switch {
		case codes[i] == 200 && strings.Contains(bodies[i], "<Message"):
			ok++
		case codes[i] == 409:
			conflict++
		default:
			t.Errorf("copy %d: %d %q", i, codes[i], bodies[i])
		}
	}
	if ok < 1 || ok+conflict != n {
		t.Errorf("%d answered, %d conflicts", ok, conflict)
	}
}

func TestReplayRetryAfterFailure(t *testing.T) {
	for name, fail := range map[string]func(*gin.Context) bool{
		"5xx":   func(c *gin.Context) bool { c.String(http.StatusBadGateway, "upstream down\n"); return false },
		"panic": func(c *gin.Context) bool { panic("handler bug") },
	} {
		t.Run(name, func(t *testing.T) {
			g := newGuarded(t, 100)
			g.setBefore(fail)
			if w := serve(g.h, smsRequest(t, "r1", smsForm)); w.Code < 500 {
				t.Fatalf("first attempt: %d, want a 5xx", w.Code)
			}
			g.setBefore(nil)
			w := serve(g.h, smsRequest(t, "r2", smsForm)) // Plivo's retry: a fresh nonce
			if w.Code != 200 || !strings.Contains(w.Body.String(), "<Message") || g.runs.Load() != 2 {
				t.Fatalf("the provider's retry: %d %q, %d runs; want it handled afresh", w.Code, w.Body, g.runs.Load())
			}
		})
	}
}

// TestReplayOnlyAfterVerification: unsigned and forged traffic never reaches
// the store, so it can neither fill it nor lock out the genuine request.
func TestReplayOnlyAfterVerification(t *testing.T) {
	g := newGuarded(t, 5)
	for i := 0; i < 50; i++ {
		r := smsRequest(t, "victim", smsForm)
		r.Header.Set(security.HeaderPlivoV2, "forged"+strings.Repeat("A", 38)+"=")
		if w := serve(g.h, r); w.Code != 403 {
			t.Fatalf("forged: %d", w.Code)
		}
	}
	if g.runs.Load() != 0 {
		t.Fatalf("forged requests reached the handler (%d runs)", g.runs.Load())
	}
	if w := serve(g.h, smsRequest(t, "victim", smsForm)); w.Code != 200 || w.Header().Get(HeaderDuplicate) != "" {
		t.Fatalf("the genuine request after the forgeries: %d", w.Code)
	}
}

func TestReplayStoreFull(t *testing.T) {
	g := newGuarded(t, 2) // a voice callback takes one key: the digest of what was signed
	serve(g.h, speakRequest(t, "a"))
	serve(g.h, speakRequest(t, "b"))
	w := serve(g.h, speakRequest(t, "c"))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || g.runs.Load() != 2 {
		t.Fatalf("past the bound: %d, %d runs; want 503 and the handler not run", w.Code, g.runs.Load())
	}
	if w := serve(g.h, speakRequest(t, "a")); w.Code != 200 || w.Header().Get(HeaderDuplicate) != "1" {
		t.Fatalf("a replay at the bound: %d; want the stored answer", w.Code)
	}
	if !strings.Contains(g.logs.String(), "REPLAY_MAX_ENTRIES") {
		t.Error("the log does not say what to raise")
	}
}

func TestReplayOff(t *testing.T) {
	h, logs := testRouter(t, nil) // no guard: REPLAY_WINDOW=0
	h.Message("/t/sms", mustMake(ReceiveSMS("Thanks", h.log)), ByParams("MessageUUID"))
	serve(h, smsRequest(t, "n", smsForm))
	serve(h, smsRequest(t, "n", smsForm))
	if strings.Count(logs.String(), "message received") != 2 {
		t.Fatal("without the guard a duplicate runs the handler again, as documented")
	}
}

// mustMake is a maker's handler, for a test whose maker cannot fail.
func mustMake(h gin.HandlerFunc, err error) gin.HandlerFunc {
	if err != nil {
		panic(err)
	}
	return h
}
