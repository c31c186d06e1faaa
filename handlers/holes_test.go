package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/internal/redistest"
	"answerurl/replay"
	"answerurl/replay/redisstore"
	"answerurl/security"
)

// Each test here reproduces a hole a review found in the replay guard (issue
// 19), on the memory store and on a real Redis, through the real router.

// v2Request is a message callback to target, signed with nonce.
func v2Request(target, nonce string, form url.Values) *http.Request {
	sig, _ := security.SignPlivoV2(token, target, nonce)
	return signedRequest("POST", target, "application/x-www-form-urlencoded", form.Encode(),
		map[string]string{security.HeaderPlivoV2: sig, security.HeaderPlivoV2Nonce: nonce})
}

// v3Request is a voice callback to target, signed with nonce.
func v3Request(target, nonce string, form url.Values) *http.Request {
	sig, _ := security.SignPlivoV3(token, "POST", target, form, nonce)
	return signedRequest("POST", target, "application/x-www-form-urlencoded", form.Encode(),
		map[string]string{security.HeaderPlivoV3: sig, security.HeaderPlivoV3Nonce: nonce})
}

var forgedSMS = url.Values{"From": {"19995550000"}, "To": {"14155550111"}, "MessageUUID": {"forged-uuid"}, "Text": {"x"}}

// TestRetrySignatureSpent: Plivo's retry (same MessageUUID, fresh nonce) is
// answered from the store; its own signature, replayed later with any other
// body, must get the stored answer too, never a handling. V2 signs no body,
// so this was full message forgery.
func TestRetrySignatureSpent(t *testing.T) {
	stores(t, func(t *testing.T, g *guardedRouter) {
		const target = "http://example.com/t/sms/"
		first := serve(g.h, v2Request(target, "1001", smsForm))
		retry := serve(g.h, v2Request(target, "1002", smsForm))
		if first.Code != 200 || retry.Header().Get(HeaderDuplicate) != "1" || g.runs.Load() != 1 {
			t.Fatalf("first %d, retry %d (duplicate %q), %d runs", first.Code, retry.Code, retry.Header().Get(HeaderDuplicate), g.runs.Load())
		}
		w := serve(g.h, v2Request(target, "1002", forgedSMS))
		if g.runs.Load() != 1 || strings.Contains(w.Body.String(), "19995550000") || w.Body.String() != first.Body.String() {
			t.Fatalf("the retry's signature with a forged body: %d %q, %d runs; want the stored answer", w.Code, w.Body, g.runs.Load())
		}
	})
}

// TestRetrySignatureSpentStatus: the same hole on /message_status/, whose
// callbacks are named by MessageUUID and Status.
func TestRetrySignatureSpentStatus(t *testing.T) {
	stores(t, func(t *testing.T, g *guardedRouter) {
		const target = "http://example.com/message_status/"
		status := url.Values{"MessageUUID": {"s-1"}, "Status": {"delivered"}}
		serve(g.h, v2Request(target, "2001", status))
		serve(g.h, v2Request(target, "2002", status))
		w := serve(g.h, v2Request(target, "2002", url.Values{"MessageUUID": {"s-2"}, "Status": {"failed"}}))
		if n := strings.Count(g.logs.String(), `msg="message status"`); n != 1 || w.Header().Get(HeaderDuplicate) != "1" {
			t.Fatalf("status handled %d times; the replay got %d %q", n, w.Code, w.Body)
		}
	})
}

// TestRetrySignatureSpentAcrossReplicas: the first delivery on A, the retry
// on B, the replay of the retry's signature on A.
func TestRetrySignatureSpentAcrossReplicas(t *testing.T) {
	a, b, _ := replicas(t)
	const target = "http://example.com/t/sms/"
	serve(a.h, v2Request(target, "3001", smsForm))
	serve(b.h, v2Request(target, "3002", smsForm))
	w := serve(a.h, v2Request(target, "3002", forgedSMS))
	if runs := a.runs.Load() + b.runs.Load(); runs != 1 || strings.Contains(w.Body.String(), "19995550000") {
		t.Fatalf("%d runs over both replicas; the replay got %d %q", runs, w.Code, w.Body)
	}
}

// TestInFlightRetrySignatureSpent: a retry refused 409 while the first
// delivery is being handled; its signature, replayed later with another
// body, is not handled.
func TestInFlightRetrySignatureSpent(t *testing.T) {
	stores(t, func(t *testing.T, g *guardedRouter) {
		const target = "http://example.com/t/sms/"
		release := make(chan struct{})
		g.setBefore(func(*gin.Context) bool { <-release; return true })
		done := make(chan int)
		go func() { done <- serve(g.h, v2Request(target, "4001", smsForm)).Code }()
		deadline := time.Now().Add(5 * time.Second)
		for g.runs.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if w := serve(g.h, v2Request(target, "4002", smsForm)); w.Code != http.StatusConflict {
			t.Fatalf("the retry while in flight: %d, want 409", w.Code)
		}
		close(release)
		if code := <-done; code != 200 {
			t.Fatalf("the first delivery: %d", code)
		}
		g.setBefore(nil)
		w := serve(g.h, v2Request(target, "4002", forgedSMS))
		if g.runs.Load() != 1 || strings.Contains(w.Body.String(), "19995550000") {
			t.Fatalf("the refused retry's signature with a forged body: %d %q, %d runs", w.Code, w.Body, g.runs.Load())
		}
	})
}

// TestAnswerSentOnlyOnceKept: when the store fails as the answer is kept
// (the connection dropped, before or after the write reached Redis), the
// client gets 503 and no 2xx; once the lease has ended, the signature
// replayed with any body is not handled, and Plivo's retry is answered.
func TestAnswerSentOnlyOnceKept(t *testing.T) {
	for name, f := range map[string]fault{"dropped before the write": failBefore, "dropped after the write": failAfter} {
		t.Run(name+"/memory", func(t *testing.T) { testAnswerKept(t, &faultStore{Store: replay.NewMemory(100)}, f) })
		t.Run(name+"/redis", func(t *testing.T) {
			srv := redistest.Start(t)
			relay := redistest.NewRelay(t, srv.Addr)
			r, err := redisstore.New(relay.URL(), "answerurl:", 500*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			testAnswerKept(t, &faultStore{Store: r, relay: relay}, f)
		})
	}
}

func testAnswerKept(t *testing.T, store *faultStore, f fault) {
	g := &guardedRouter{}
	const lease = 200 * time.Millisecond
	g.start(t, store, nil)
	g.h.replay.Lease = lease
	const target = "http://example.com/t/sms/"
	serve(g.h, v2Request(target, "5000", smsForm)) // loads Redis's scripts
	form := url.Values{"From": {"14155550100"}, "To": {"14155550111"}, "MessageUUID": {"kept-1"}}
	store.arm(map[string]fault{"Complete": f}, false)
	w := serve(g.h, v2Request(target, "5001", form))
	store.arm(nil, false)
	if w.Code != http.StatusServiceUnavailable || strings.Contains(w.Body.String(), "<Message") {
		t.Fatalf("an answer the store could not keep: %d %q; want 503 and no answer", w.Code, w.Body)
	}
	time.Sleep(lease + lease/2)
	runs := g.runs.Load()
	if w := serve(g.h, v2Request(target, "5001", forgedSMS)); g.runs.Load() != runs || w.Code/100 == 2 && w.Header().Get(HeaderDuplicate) == "" {
		t.Fatalf("its signature replayed after the lease: %d %q, handled %d times more", w.Code, w.Body, g.runs.Load()-runs)
	}
	if w := serve(g.h, v2Request(target, "5002", form)); w.Code != 200 || !strings.Contains(w.Body.String(), "<Message") {
		t.Fatalf("Plivo's retry: %d %q, want an answer", w.Code, w.Body)
	}
}

// TestHangupOnce: Plivo sends one hangup per call; the same hangup arriving
// twice with fresh nonces is handled once (/hangup/ is named by CallUUID).
func TestHangupOnce(t *testing.T) {
	stores(t, func(t *testing.T, g *guardedRouter) {
		const target = "http://example.com/hangup/"
		form := url.Values{"CallUUID": {"call-1"}, "Duration": {"12"}, "HangupCauseName": {"Normal Hangup"}}
		first := serve(g.h, v3Request(target, "6001", form))
		second := serve(g.h, v3Request(target, "6002", form))
		if n := strings.Count(g.logs.String(), `msg="call ended"`); n != 1 || first.Code != 200 || second.Header().Get(HeaderDuplicate) != "1" {
			t.Fatalf("hangup handled %d times: %d, then %d (duplicate %q)", n, first.Code, second.Code, second.Header().Get(HeaderDuplicate))
		}
	})
}
