package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/internal/redistest"
	"answerurl/replay/redisstore"
)

// replicas are two servers, A and B, each with its own Redis client, sharing
// one real Redis server, as two replicas behind a load balancer.
func replicas(t *testing.T) (a, b *guardedRouter, srv *redistest.Server) {
	srv = redistest.Start(t)
	a, b = &guardedRouter{}, &guardedRouter{}
	for _, g := range []*guardedRouter{a, b} {
		store, err := redisstore.New(srv.URL(), "answerurl:", 500*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		g.start(t, store, store.Ping)
	}
	return a, b, srv
}

func TestReplicasShareTheGuard(t *testing.T) {
	a, b, _ := replicas(t)
	first := serve(a.h, smsRequest(t, "n1", smsForm))
	if first.Code != 200 || a.runs.Load() != 1 {
		t.Fatalf("A: %d", first.Code)
	}
	// Replayed to B: A's stored answer, and B's handler never runs.
	w := serve(b.h, smsRequest(t, "n1", smsForm))
	if w.Code != 200 || w.Body.String() != first.Body.String() || w.Header().Get(HeaderDuplicate) != "1" || b.runs.Load() != 0 {
		t.Fatalf("replay to B: %d %q, B ran %d times", w.Code, w.Body, b.runs.Load())
	}
	// A V2 replay with another body, to B: the original answer.
	forged := url.Values{"From": {"19995550000"}, "To": {"14155550111"}, "MessageUUID": {"forged"}}
	if w := serve(b.h, smsRequest(t, "n1", forged)); w.Body.String() != first.Body.String() || b.runs.Load() != 0 {
		t.Fatalf("V2 replay with another body to B: %q", w.Body)
	}
	// The provider's retry with a fresh nonce, to B: handled once, by A.
	if w := serve(b.h, smsRequest(t, "n2", smsForm)); w.Body.String() != first.Body.String() || b.runs.Load() != 0 {
		t.Fatalf("retry with a fresh nonce to B: %q", w.Body)
	}
}

// TestReplicasConcurrentDuplicates: copies spread over both replicas run the
// handler exactly once in all.
func TestReplicasConcurrentDuplicates(t *testing.T) {
	a, b, _ := replicas(t)
	slow := func(*gin.Context) bool { time.Sleep(20 * time.Millisecond); return true }
	a.setBefore(slow)
	b.setBefore(slow)
	const n = 40
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			h := a.h
			if i%2 == 1 {
				h = b.h
			}
			codes[i] = serve(h, smsRequest(t, "dup", smsForm)).Code
		}(i)
	}
	wg.Wait()
	if runs := a.runs.Load() + b.runs.Load(); runs != 1 {
		t.Fatalf("the handler ran %d times over both replicas, want 1", runs)
	}
	for i, c := range codes {
		if c != 200 && c != http.StatusConflict {
			t.Errorf("copy %d: %d", i, c)
		}
	}
}

func TestReplicasRetryAfter5xx(t *testing.T) {
	a, b, _ := replicas(t)
	a.setBefore(func(c *gin.Context) bool { c.String(http.StatusInternalServerError, "down\n"); return false })
	if w := serve(a.h, smsRequest(t, "r", smsForm)); w.Code != 500 {
		t.Fatalf("A: %d", w.Code)
	}
	w := serve(b.h, smsRequest(t, "r2", smsForm)) // Plivo's retry: a fresh nonce
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<Message") || b.runs.Load() != 1 {
		t.Fatalf("the retry on B: %d %q, B ran %d times", w.Code, w.Body, b.runs.Load())
	}
}

// TestRedisDown: with Redis stopped, verified requests get 503 with
// Retry-After and no handler runs, and /readyz says not ready; /healthz
// stays up. Once Redis is back, service resumes without a restart.
func TestRedisDown(t *testing.T) {
	a, _, srv := replicas(t)
	if w := serve(a.h, speakRequest(t, "before")); w.Code != 200 {
		t.Fatalf("before: %d", w.Code)
	}
	srv.Stop()
	for i, r := range []*http.Request{speakRequest(t, "during1"), smsRequest(t, "during2", smsForm)} {
		w := serve(a.h, r)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || strings.Contains(w.Body.String(), "<Response") {
			t.Fatalf("request %d with Redis down: %d %q", i, w.Code, w.Body)
		}
	}
	if a.runs.Load() != 1 {
		t.Fatalf("a handler ran unguarded: %d runs", a.runs.Load())
	}
	if w := serve(a.h, httptest.NewRequest("GET", "/readyz", nil)); w.Code != http.StatusServiceUnavailable || w.Body.String() != "not ready: replay store unreachable\n" {
		t.Fatalf("/readyz with Redis down: %d %q, want the cause and no address", w.Code, w.Body)
	}
	if w := serve(a.h, httptest.NewRequest("GET", "/healthz", nil)); w.Code != 200 {
		t.Fatalf("/healthz with Redis down: %d", w.Code)
	}
	// Unsigned traffic is still refused as before, without touching Redis.
	r := httptest.NewRequest("GET", "/t/speak/", nil)
	if w := serve(a.h, r); w.Code != 403 {
		t.Fatalf("unsigned with Redis down: %d", w.Code)
	}
	if !strings.Contains(a.logs.String(), "replay store failed") {
		t.Error("the outage is not logged")
	}

	srv.Restart()
	time.Sleep(ReadyInterval) // /readyz asks again once its interval has passed
	if w := serve(a.h, httptest.NewRequest("GET", "/readyz", nil)); w.Code != 200 {
		t.Fatalf("/readyz after Redis came back: %d", w.Code)
	}
	if w := serve(a.h, speakRequest(t, "after")); w.Code != 200 || a.runs.Load() != 2 {
		t.Fatalf("after Redis came back: %d, %d runs", w.Code, a.runs.Load())
	}
}

// TestRedisWrongPassword: a Redis that refuses the password is reported as
// such, in /readyz (without detail) and in the log, not as unreachable;
// callbacks get 503.
func TestRedisWrongPassword(t *testing.T) {
	srv := redistest.Start(t, "--requirepass", "right-password")
	store, err := redisstore.New("redis://:wrong-password@"+srv.Addr+"/0", "answerurl:", 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	g := &guardedRouter{}
	g.start(t, store, store.Ping)
	w := serve(g.h, httptest.NewRequest("GET", "/readyz", nil))
	if w.Code != http.StatusServiceUnavailable || w.Body.String() != "not ready: replay store refused the password\n" {
		t.Fatalf("/readyz: %d %q", w.Code, w.Body)
	}
	if w := serve(g.h, speakRequest(t, "5")); w.Code != http.StatusServiceUnavailable || g.runs.Load() != 0 {
		t.Fatalf("a callback: %d, %d runs", w.Code, g.runs.Load())
	}
	if log := g.logs.String(); !strings.Contains(log, "refused the user or password") || strings.Contains(log, "wrong-password") {
		t.Errorf("log: %s", log)
	}
}
