// Package storetest tests a replay.Store: [Run] holds the behaviour every
// store must have, for the memory store's tests, the Redis store's, and
// yours.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"answerurl/replay"
)

// keysOf is a request with signature sig carrying callback keys cb.
func keysOf(sig string, cb ...string) replay.Keys { return replay.Keys{Signed: sig, Callback: cb} }

// Run tests the behaviour every Store must have, as subtests of t. Leases
// and windows are real time: short where expiry is watched. Every key is
// made unique (the clock's nanoseconds), so that a shared store may hold
// other runs' keys.
func Run(t *testing.T, s replay.Store) {
	h := harness{s: s, ctx: context.Background(), lease: time.Minute, window: time.Minute}
	for _, tt := range []struct {
		name string
		test func(*testing.T, harness)
	}{
		{"claim, in flight, complete, answered", claimCompleteAnswered},
		{"an answer keeps the callback it answered", answerKeepsCallback},
		{"a signature found adds no callback key", signatureAddsNoCallbackKey},
		{"abandoning frees the callback, not the signature", abandonFreesCallback},
		{"a lease that runs out", leaseRunsOut},
		{"an answer lasts the window, not the lease", answerLastsWindow},
		{"concurrent claims: exactly one wins", concurrentClaims},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, h) })
	}
}

// harness is the store under test and the lease and window of its claims.
type harness struct {
	s             replay.Store
	ctx           context.Context
	lease, window time.Duration
}

// u makes k unique: k and the clock's nanoseconds.
func (harness) u(k string) string { return fmt.Sprintf("%s-%d", k, time.Now().UnixNano()) }

// claim claims k, failing the test on a store error.
func (h harness) claim(t *testing.T, k replay.Keys) replay.Claim {
	t.Helper()
	c, err := h.s.Claim(h.ctx, k, h.lease, h.window)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// claimCompleteAnswered: claim, in flight, complete, answered.
func claimCompleteAnswered(t *testing.T, h harness) {
	msg := h.u("msg")
	c := h.claim(t, keysOf(h.u("sig"), msg))
	if c.State != replay.Claimed || c.RecordID == "" {
		t.Fatalf("first claim: %+v", c)
	}
	retry := h.u("sig")
	if again := h.claim(t, keysOf(retry, msg)); again.State != replay.InFlight {
		t.Fatalf("a retry while in flight: %v", again.State)
	}
	if err := h.s.Complete(h.ctx, replay.Claim{Keys: c.Keys, RecordID: "someone else"}, replay.Answer{Status: 200}, h.window); !errors.Is(err, replay.ErrLost) {
		t.Fatalf("another record's completion: %v, want ErrLost", err)
	}
	want := replay.Answer{Status: 201, ContentType: "application/xml; charset=utf-8", Body: []byte("<Response>\n\x00é</Response>")}
	if err := h.s.Complete(h.ctx, c, want, h.window); err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]replay.Keys{"the same signature": keysOf(c.Keys.Signed, h.u("other")),
		"the retry refused while in flight, with another body": keysOf(retry, h.u("forged")),
		"a later retry": keysOf(h.u("sig"), msg)} {
		got := h.claim(t, k)
		if got.State != replay.Answered || got.Answer.Status != want.Status || got.Answer.ContentType != want.ContentType || string(got.Answer.Body) != string(want.Body) {
			t.Fatalf("%s: %+v", name, got)
		}
	}
}

// answerKeepsCallback: an answer keeps the callback it answered.
// A duplicate is told which callback its answer answered: each record
// keeps its own Callback, even when the answers are equal.
func answerKeepsCallback(t *testing.T, h harness) {
	first, second := h.claim(t, keysOf(h.u("sig"), h.u("msg"))), h.claim(t, keysOf(h.u("sig"), h.u("msg")))
	same := replay.Answer{Status: 200, ContentType: "text/plain", Body: []byte("ok\n")}
	for c, name := range map[*replay.Claim]string{&first: "MessageUUID=first", &second: "MessageUUID=second\nwith a newline"} {
		a := same
		a.Callback = name
		if err := h.s.Complete(h.ctx, *c, a, h.window); err != nil {
			t.Fatal(err)
		}
	}
	for c, want := range map[*replay.Claim]string{&first: "MessageUUID=first", &second: "MessageUUID=second\nwith a newline"} {
		got := h.claim(t, keysOf(c.Keys.Signed, h.u("forged")))
		if got.State != replay.Answered || got.Answer.Callback != want || string(got.Answer.Body) != "ok\n" {
			t.Fatalf("a replay of %q: %+v", want, got)
		}
	}
}

// signatureAddsNoCallbackKey: a signature found adds no callback key.
func signatureAddsNoCallbackKey(t *testing.T, h harness) {
	c := h.claim(t, keysOf(h.u("sig"), h.u("msg")))
	h.s.Complete(h.ctx, c, replay.Answer{Status: 200}, h.window)
	forged := h.u("forged-msg")
	if got := h.claim(t, keysOf(c.Keys.Signed, forged)); got.State != replay.Answered {
		t.Fatalf("replayed signature: %v", got.State)
	}
	if got := h.claim(t, keysOf(h.u("sig"), forged)); got.State != replay.Claimed {
		t.Fatalf("the forged message's key was poisoned by the replay: %v", got.State)
	}
}

// abandonFreesCallback: abandoning frees the callback, not the signature.
func abandonFreesCallback(t *testing.T, h harness) {
	msg := h.u("msg")
	c := h.claim(t, keysOf(h.u("sig"), msg))
	h.s.Abandon(h.ctx, replay.Claim{Keys: c.Keys, RecordID: "someone else"})
	if got := h.claim(t, keysOf(h.u("sig"), msg)); got.State != replay.InFlight {
		t.Fatalf("another record abandoned the claim: %v", got.State)
	}
	h.s.Abandon(h.ctx, c)
	if got := h.claim(t, keysOf(c.Keys.Signed, h.u("other"))); got.State != replay.Spent {
		t.Fatalf("the abandoned signature: %v, want spent", got.State)
	}
	if got := h.claim(t, keysOf(h.u("sig"), msg)); got.State != replay.Claimed {
		t.Fatalf("the retry after abandoning: %v, want it claimed", got.State)
	}
}

// leaseRunsOut: a lease that runs out.
// A claim whose holder never finishes (its replica died) frees its
// callback keys when its lease ends; the old holder's late completion
// then changes nothing of the new holder's claim.
func leaseRunsOut(t *testing.T, h harness) {
	msg := h.u("lease")
	dead, _ := h.s.Claim(h.ctx, keysOf(h.u("sig"), msg), 200*time.Millisecond, h.window)
	time.Sleep(300 * time.Millisecond)
	if got := h.claim(t, keysOf(dead.Keys.Signed)); got.State != replay.Spent {
		t.Fatalf("the dead holder's signature after its lease: %v, want spent", got.State)
	}
	next := h.claim(t, keysOf(h.u("sig"), msg))
	if next.State != replay.Claimed {
		t.Fatalf("after the dead holder's lease: %+v; want the callback free for the retry", next)
	}
	if err := h.s.Complete(h.ctx, dead, replay.Answer{Status: 200, Body: []byte("late")}, h.window); !errors.Is(err, replay.ErrLost) {
		t.Fatalf("late completion by the old holder: %v, want ErrLost", err)
	}
	h.s.Abandon(h.ctx, dead)
	if got := h.claim(t, keysOf(h.u("sig"), msg)); got.State != replay.InFlight {
		t.Fatalf("the old holder changed the new claim: %v", got.State)
	}
	if err := h.s.Complete(h.ctx, next, replay.Answer{Status: 200, Body: []byte("new")}, h.window); err != nil {
		t.Fatal(err)
	}
	if got := h.claim(t, keysOf(h.u("sig"), msg)); got.State != replay.Answered || string(got.Answer.Body) != "new" {
		t.Fatalf("after the new holder's answer: %+v", got)
	}
}

// answerLastsWindow: an answer lasts the window, not the lease.
func answerLastsWindow(t *testing.T, h harness) {
	msg := h.u("window")
	c, _ := h.s.Claim(h.ctx, keysOf(h.u("sig"), msg), 200*time.Millisecond, 600*time.Millisecond)
	if err := h.s.Complete(h.ctx, c, replay.Answer{Status: 200}, 600*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // past the lease
	if got, _ := h.s.Claim(h.ctx, keysOf(h.u("sig"), msg), h.lease, 100*time.Millisecond); got.State != replay.Answered {
		t.Fatalf("after the lease, within the window: %v", got.State)
	}
	time.Sleep(400 * time.Millisecond) // past the window
	got := h.claim(t, keysOf(h.u("sig"), msg))
	if got.State != replay.Claimed {
		t.Fatalf("after the window: %v", got.State)
	}
	h.s.Abandon(h.ctx, got)
}

// concurrentClaims: concurrent claims: exactly one wins.
func concurrentClaims(t *testing.T, h harness) {
	msg := h.u("race")
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, err := h.s.Claim(h.ctx, keysOf(h.u(fmt.Sprint("sig", i)), msg), h.lease, h.window); err == nil && c.State == replay.Claimed {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d claims won, want 1", wins.Load())
	}
}
