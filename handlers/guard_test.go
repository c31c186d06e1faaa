package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/internal/redistest"
	"answerurl/replay"
	"answerurl/replay/redisstore"
	"answerurl/security"
	"answerurl/xmlresp"
)

// noStateStore is a Store whose claims return no state and no error, as a
// buggy store would.
type noStateStore struct{ replay.Store }

func (noStateStore) Claim(context.Context, replay.Keys, time.Duration, time.Duration) (replay.Claim, error) {
	return replay.Claim{}, nil
}

// TestNoStateIsNoClaim: a claim a store returned without a state is never
// taken for one the handler may run under: 500, no handler, logged.
func TestNoStateIsNoClaim(t *testing.T) {
	g := &guardedRouter{}
	g.start(t, noStateStore{replay.NewMemory(10)}, nil)
	if w := serve(g.h, smsRequest(t, "n1", smsForm)); w.Code != http.StatusInternalServerError || g.runs.Load() != 0 {
		t.Fatalf("a claim with no state: %d, %d runs; want 500 and no handler", w.Code, g.runs.Load())
	}
	if !strings.Contains(g.logs.String(), "replay store returned no state") {
		t.Errorf("not logged:\n%s", g.logs)
	}
}

// TestCallbackNamedByAllItsParams: a route whose callback is named by
// MessageUUID and Status answers a message's retried status once, and
// another message with the same status afresh, never with the first's
// answer. (Before CallbackID, two CallbackKeys arguments meant "any of":
// ByParams("MessageUUID"), ByParams("Status") answered message B's
// "delivered" with message A's.)
func TestCallbackNamedByAllItsParams(t *testing.T) {
	g := newGuarded(t, 100)
	var runs atomic.Int32
	g.h.Message("/t/status", func(c *gin.Context) {
		runs.Add(1)
		c.String(200, CallbackFrom(c).Form.Get("MessageUUID"))
	}, ByParams("MessageUUID", "Status"))
	send := func(n, uuid, status string) string {
		r := httptest.NewRequest("POST", "http://example.com/t/status/", strings.NewReader(url.Values{"MessageUUID": {uuid}, "Status": {status}}.Encode()))
		r.RemoteAddr = "127.0.0.1:1"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sig, _ := security.SignPlivoV2(token, "http://example.com/t/status/", n)
		r.Header.Set(security.HeaderPlivoV2, sig)
		r.Header.Set(security.HeaderPlivoV2Nonce, n)
		return serve(g.h, r).Body.String()
	}
	for _, step := range []struct{ nonce, uuid, status, want string }{
		{"1", "A", "delivered", "A"},
		{"2", "B", "delivered", "B"}, // same status, another message
		{"3", "A", "delivered", "A"}, // a retry of A's status
		{"4", "A", "sent", "A"},      // another status of A
	} {
		if got := send(step.nonce, step.uuid, step.status); got != step.want {
			t.Fatalf("message %s %s: answered %q, want %q", step.uuid, step.status, got, step.want)
		}
	}
	if runs.Load() != 3 {
		t.Errorf("%d handlings, want 3 (the retry is answered from the store)", runs.Load())
	}
}

// TestDuplicateLoggedUnderStoredCallback: a replayed V2 signature with a
// forged MessageUUID is answered from the store, and its access line names
// the callback the stored answer answered, never the forged ID.
func TestDuplicateLoggedUnderStoredCallback(t *testing.T) {
	stores(t, func(t *testing.T, g *guardedRouter) {
		if w := serve(g.h, smsRequest(t, "n1", smsForm)); w.Code != 200 {
			t.Fatalf("first: %d", w.Code)
		}
		forged := url.Values{"From": {"19995550000"}, "To": {"14155550111"}, "MessageUUID": {"m-forged"}}
		if w := serve(g.h, smsRequest(t, "n1", forged)); w.Header().Get(HeaderDuplicate) != "1" {
			t.Fatalf("the replay was not answered from the store: %d", w.Code)
		}
		var dup string
		for _, line := range strings.Split(g.logs.String(), "\n") {
			if strings.Contains(line, `msg="callback answered"`) && strings.Contains(line, "duplicate=true") {
				dup = line
			}
		}
		if !strings.Contains(dup, "message_uuid=m-1 ") || strings.Contains(g.logs.String(), "m-forged") {
			t.Fatalf("the duplicate's line: %q; want it under m-1, the stored callback, and no forged ID anywhere", dup)
		}
	})
}

// TestRenderFailureLogged: a document built per request that cannot be
// rendered is a 500 whose cause is in the access line, at error level.
func TestRenderFailureLogged(t *testing.T) {
	h, logs := testRouter(t, func(o *Options) { o.IVRTransferNumber = "not a number" })
	w := call{method: "POST", target: "http://example.com/ivr/choice/", contentType: "application/x-www-form-urlencoded",
		body: "CallUUID=c0ffee&Digits=2", params: url.Values{"CallUUID": {"c0ffee"}, "Digits": {"2"}}}.do(t, h)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("an answer that cannot be rendered: %d %q", w.Code, w.Body)
	}
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `msg="callback answered"`) {
			line = l
		}
	}
	if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "status=500") || !strings.Contains(line, `error="rendering the answer: `) {
		t.Fatalf("the access line: %q; want the cause at error level", line)
	}
}

// TestHandlersLinkNoRedisClient: the handlers, which need the guard, do not
// link a Redis client; only the Redis store does.
func TestHandlersLinkNoRedisClient(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "go-redis") {
		t.Fatalf("handlers depends on go-redis:\n%s", out)
	}
}

// TestReadyzCostsOneProbePerInterval: however many anonymous pollers ask
// /readyz, the store is probed at most once per ReadyInterval, on a
// connection of its own, and genuine callbacks through the same Redis are
// answered meanwhile; a failing store is logged once, not once per poll.
func TestReadyzCostsOneProbePerInterval(t *testing.T) {
	srv := redistest.Start(t)
	store, err := redisstore.New(srv.URL(), "answerurl:", 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var probes atomic.Int32
	g := &guardedRouter{}
	g.start(t, store, func(ctx context.Context) error { probes.Add(1); return store.Ping(ctx) })

	start := time.Now()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var notReady, polls atomic.Int32
	for range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				polls.Add(1)
				if w := serve(g.h, httptest.NewRequest("GET", "/readyz", nil)); w.Code != 200 {
					notReady.Add(1)
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	for i := range 20 {
		if w := serve(g.h, speakRequest(t, "during"+string(rune('a'+i)))); w.Code != 200 {
			t.Errorf("a callback while /readyz is polled: %d %q", w.Code, w.Body)
		}
		time.Sleep(75 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("%d polls of /readyz by 300 pollers in %s: %d probes of Redis", polls.Load(), elapsed.Round(time.Millisecond), probes.Load())
	if max := int32(elapsed/ReadyInterval) + 1; probes.Load() > max || probes.Load() == 0 {
		t.Errorf("%d probes in %s: want 1 to %d", probes.Load(), elapsed, max)
	}
	if notReady.Load() > 0 {
		t.Errorf("%d polls answered not ready while Redis was up", notReady.Load())
	}

	srv.Stop()
	time.Sleep(ReadyInterval)
	for range 50 {
		serve(g.h, httptest.NewRequest("GET", "/readyz", nil))
	}
	if n := strings.Count(g.logs.String(), "not ready: replay store"); n != 1 {
		t.Errorf("a store down logged %d times, want once", n)
	}
}

// TestStaticAnswersChecked: a document rendered at start that cannot be
// rendered, or that the replay guard could not keep (every answer would be
// a 500), stops NewRouter with an error naming the setting.
func TestStaticAnswersChecked(t *testing.T) {
	long := strings.Repeat("a", maxAnswerBytes)
	for name, tt := range map[string]struct {
		change func(*Options)
		want   string
	}{
		"SPEAK_TEXT over the guard's bound": {func(o *Options) { o.Speak.Text = long }, "SPEAK_TEXT"},
		"SPEAK_TEXT unrenderable":           {func(o *Options) { o.Speak.Text = "a\x00b" }, "SPEAK_TEXT"},
		"SMS_REPLY_TEXT unrenderable":       {func(o *Options) { o.SMSReply = "a\x00b" }, "SMS_REPLY_TEXT"},
		"SMS_REPLY_TEXT with Twilio on":     {func(o *Options) { o.SMSReply, o.TwilioAuthTokens = "a\x00b", []string{"tw"} }, "SMS_REPLY_TEXT"},
	} {
		o := Options{Plivo: security.PlivoTokens{AuthTokens: []string{token}}, Speak: xmlresp.Speak{Text: "Hello"}}
		tt.change(&o)
		if _, err := NewRouter(o); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: NewRouter = %v, want an error naming %s", name, err, tt.want)
		}
	}
}
