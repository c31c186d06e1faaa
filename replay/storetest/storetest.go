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
// and windows are real time: short where expiry is watched. replay.Keys are made
// unique per run, so that a shared store may hold other runs' keys.
func Run(t *testing.T, s replay.Store) {
	ctx := context.Background()
	lease, window := time.Minute, time.Minute
	u := func(k string) string { return fmt.Sprintf("%s-%d", k, time.Now().UnixNano()) }
	claim := func(t *testing.T, k replay.Keys) replay.Claim {
		t.Helper()
		c, err := s.Claim(ctx, k, lease, window)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	t.Run("claim, in flight, complete, answered", func(t *testing.T) {
		msg := u("msg")
		c := claim(t, keysOf(u("sig"), msg))
		if c.State != replay.Claimed || c.RecordID == "" {
			t.Fatalf("first claim: %+v", c)
		}
		retry := u("sig")
		if again := claim(t, keysOf(retry, msg)); again.State != replay.InFlight {
			t.Fatalf("a retry while in flight: %v", again.State)
		}
		if err := s.Complete(ctx, replay.Claim{Keys: c.Keys, RecordID: "someone else"}, replay.Answer{Status: 200}, window); !errors.Is(err, replay.ErrLost) {
			t.Fatalf("another record's completion: %v, want ErrLost", err)
		}
		want := replay.Answer{Status: 201, ContentType: "application/xml; charset=utf-8", Body: []byte("<Response>\n\x00é</Response>")}
		if err := s.Complete(ctx, c, want, window); err != nil {
			t.Fatal(err)
		}
		for name, k := range map[string]replay.Keys{"the same signature": keysOf(c.Keys.Signed, u("other")),
			"the retry refused while in flight, with another body": keysOf(retry, u("forged")),
			"a later retry": keysOf(u("sig"), msg)} {
			got := claim(t, k)
			if got.State != replay.Answered || got.Answer.Status != want.Status || got.Answer.ContentType != want.ContentType || string(got.Answer.Body) != string(want.Body) {
				t.Fatalf("%s: %+v", name, got)
			}
		}
	})

	// A duplicate is told which callback its answer answered: each record
	// keeps its own Callback, even when the answers are equal.
	t.Run("an answer keeps the callback it answered", func(t *testing.T) {
		first, second := claim(t, keysOf(u("sig"), u("msg"))), claim(t, keysOf(u("sig"), u("msg")))
		same := replay.Answer{Status: 200, ContentType: "text/plain", Body: []byte("ok\n")}
		for c, name := range map[*replay.Claim]string{&first: "MessageUUID=first", &second: "MessageUUID=second\nwith a newline"} {
			a := same
			a.Callback = name
			if err := s.Complete(ctx, *c, a, window); err != nil {
				t.Fatal(err)
			}
		}
		for c, want := range map[*replay.Claim]string{&first: "MessageUUID=first", &second: "MessageUUID=second\nwith a newline"} {
			got := claim(t, keysOf(c.Keys.Signed, u("forged")))
			if got.State != replay.Answered || got.Answer.Callback != want || string(got.Answer.Body) != "ok\n" {
				t.Fatalf("a replay of %q: %+v", want, got)
			}
		}
	})

	t.Run("a signature found adds no callback key", func(t *testing.T) {
		c := claim(t, keysOf(u("sig"), u("msg")))
		s.Complete(ctx, c, replay.Answer{Status: 200}, window)
		forged := u("forged-msg")
		if got := claim(t, keysOf(c.Keys.Signed, forged)); got.State != replay.Answered {
			t.Fatalf("replayed signature: %v", got.State)
		}
		if got := claim(t, keysOf(u("sig"), forged)); got.State != replay.Claimed {
			t.Fatalf("the forged message's key was poisoned by the replay: %v", got.State)
		}
	})

	t.Run("abandoning frees the callback, not the signature", func(t *testing.T) {
		msg := u("msg")
		c := claim(t, keysOf(u("sig"), msg))
		s.Abandon(ctx, replay.Claim{Keys: c.Keys, RecordID: "someone else"})
		if got := claim(t, keysOf(u("sig"), msg)); got.State != replay.InFlight {
			t.Fatalf("another record abandoned the claim: %v", got.State)
		}
		s.Abandon(ctx, c)
		if got := claim(t, keysOf(c.Keys.Signed, u("other"))); got.State != replay.Spent {
			t.Fatalf("the abandoned signature: %v, want spent", got.State)
		}
		if got := claim(t, keysOf(u("sig"), msg)); got.State != replay.Claimed {
			t.Fatalf("the retry after abandoning: %v, want it claimed", got.State)
		}
	})

	// A claim whose holder never finishes (its replica died) frees its
	// callback keys when its lease ends; the old holder's late completion
	// then changes nothing of the new holder's claim.
	t.Run("a lease that runs out", func(t *testing.T) {
		msg := u("lease")
		dead, _ := s.Claim(ctx, keysOf(u("sig"), msg), 200*time.Millisecond, window)
		time.Sleep(300 * time.Millisecond)
		if got := claim(t, keysOf(dead.Keys.Signed)); got.State != replay.Spent {
			t.Fatalf("the dead holder's signature after the lease: %v, want spent", got.State)
		}
		next := claim(t, keysOf(u("sig"), msg))
		if next.State != replay.Claimed {
			t.Fatalf("after the lease: %+v; want the callback free for the retry", next)
		}
		if err := s.Complete(ctx, dead, replay.Answer{Status: 200, Body: []byte("late")}, window); !errors.Is(err, replay.ErrLost) {
			t.Fatalf("late completion by the old holder: %v, want ErrLost", err)
		}
		s.Abandon(ctx, dead)
		if got := claim(t, keysOf(u("sig"), msg)); got.State != replay.InFlight {
			t.Fatalf("the old holder changed the new claim: %v", got.State)
		}
		if err := s.Complete(ctx, next, replay.Answer{Status: 200, Body: []byte("new")}, window); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, keysOf(u("sig"), msg)); got.State != replay.Answered || string(got.Answer.Body) != "new" {
			t.Fatalf("after the new holder's answer: %+v", got)
		}
	})

	t.Run("an answer lasts the window, not the lease", func(t *testing.T) {
		msg := u("window")
		c, _ := s.Claim(ctx, keysOf(u("sig"), msg), 200*time.Millisecond, 600*time.Millisecond)
		if err := s.Complete(ctx, c, replay.Answer{Status: 200}, 600*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // past the lease
		if got, _ := s.Claim(ctx, keysOf(u("sig"), msg), lease, 100*time.Millisecond); got.State != replay.Answered {
			t.Fatalf("after the lease, within the window: %v", got.State)
		}
		time.Sleep(400 * time.Millisecond) // past the window
		got := claim(t, keysOf(u("sig"), msg))
		if got.State != replay.Claimed {
			t.Fatalf("after the window: %v", got.State)
		}
		s.Abandon(ctx, got)
	})

	t.Run("concurrent claims: exactly one wins", func(t *testing.T) {
		msg := u("race")
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 64; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if c, err := s.Claim(ctx, keysOf(u(fmt.Sprint("sig", i)), msg), lease, window); err == nil && c.State == replay.Claimed {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d claims won, want 1", wins.Load())
		}
	})
}
