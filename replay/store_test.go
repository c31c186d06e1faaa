package replay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// keysOf is a request with signature sig carrying callback keys cb.
func keysOf(sig string, cb ...string) Keys { return Keys{Signed: sig, Callback: cb} }

// testStore runs the behaviour every Store must have. Leases and windows
// are real time: short where expiry is watched.
func testStore(t *testing.T, s Store) {
	ctx := context.Background()
	lease, window := time.Minute, time.Minute
	u := func(k string) string { return fmt.Sprintf("%s-%d", k, time.Now().UnixNano()) }
	claim := func(t *testing.T, k Keys) Claim {
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
		if c.State != Claimed || c.Record == "" {
			t.Fatalf("first claim: %+v", c)
		}
		retry := u("sig")
		if again := claim(t, keysOf(retry, msg)); again.State != InFlight {
			t.Fatalf("a retry while in flight: %v", again.State)
		}
		if err := s.Complete(ctx, Claim{Keys: c.Keys, Record: "someone else"}, Answer{Status: 200}, window); !errors.Is(err, ErrLost) {
			t.Fatalf("another record's completion: %v, want ErrLost", err)
		}
		want := Answer{Status: 201, ContentType: "application/xml; charset=utf-8", Body: []byte("<Response>\n\x00é</Response>")}
		if err := s.Complete(ctx, c, want, window); err != nil {
			t.Fatal(err)
		}
		for name, k := range map[string]Keys{"the same signature": keysOf(c.Keys.Signed, u("other")),
			"the retry refused while in flight, with another body": keysOf(retry, u("forged")),
			"a later retry": keysOf(u("sig"), msg)} {
			got := claim(t, k)
			if got.State != Answered || got.Answer.Status != want.Status || got.Answer.ContentType != want.ContentType || string(got.Answer.Body) != string(want.Body) {
				t.Fatalf("%s: %+v", name, got)
			}
		}
	})

	t.Run("a signature found adds no callback key", func(t *testing.T) {
		c := claim(t, keysOf(u("sig"), u("msg")))
		s.Complete(ctx, c, Answer{Status: 200}, window)
		forged := u("forged-msg")
		if got := claim(t, keysOf(c.Keys.Signed, forged)); got.State != Answered {
			t.Fatalf("replayed signature: %v", got.State)
		}
		if got := claim(t, keysOf(u("sig"), forged)); got.State != Claimed {
			t.Fatalf("the forged message's key was poisoned by the replay: %v", got.State)
		}
	})

	t.Run("release frees the callback, not the signature", func(t *testing.T) {
		msg := u("msg")
		c := claim(t, keysOf(u("sig"), msg))
		s.Release(ctx, Claim{Keys: c.Keys, Record: "someone else"})
		if got := claim(t, keysOf(u("sig"), msg)); got.State != InFlight {
			t.Fatalf("another record released the claim: %v", got.State)
		}
		s.Release(ctx, c)
		if got := claim(t, keysOf(c.Keys.Signed, u("other"))); got.State != Spent {
			t.Fatalf("the released signature: %v, want spent", got.State)
		}
		if got := claim(t, keysOf(u("sig"), msg)); got.State != Claimed {
			t.Fatalf("the retry after a release: %v, want it claimed", got.State)
		}
	})

	// A claim whose holder never finishes (its replica died) frees its
	// callback keys when its lease ends; the old holder's late completion
	// then changes nothing of the new holder's claim.
	t.Run("a lease that runs out", func(t *testing.T) {
		msg := u("lease")
		dead, _ := s.Claim(ctx, keysOf(u("sig"), msg), 200*time.Millisecond, window)
		time.Sleep(300 * time.Millisecond)
		if got := claim(t, keysOf(dead.Keys.Signed)); got.State != Spent {
			t.Fatalf("the dead holder's signature after the lease: %v, want spent", got.State)
		}
		next := claim(t, keysOf(u("sig"), msg))
		if next.State != Claimed {
			t.Fatalf("after the lease: %+v; want the callback free for the retry", next)
		}
		if err := s.Complete(ctx, dead, Answer{Status: 200, Body: []byte("late")}, window); !errors.Is(err, ErrLost) {
			t.Fatalf("late completion by the old holder: %v, want ErrLost", err)
		}
		s.Release(ctx, dead)
		if got := claim(t, keysOf(u("sig"), msg)); got.State != InFlight {
			t.Fatalf("the old holder changed the new claim: %v", got.State)
		}
		if err := s.Complete(ctx, next, Answer{Status: 200, Body: []byte("new")}, window); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, keysOf(u("sig"), msg)); got.State != Answered || string(got.Answer.Body) != "new" {
			t.Fatalf("after the new holder's answer: %+v", got)
		}
	})

	t.Run("an answer lasts the window, not the lease", func(t *testing.T) {
		msg := u("window")
		c, _ := s.Claim(ctx, keysOf(u("sig"), msg), 200*time.Millisecond, 600*time.Millisecond)
		if err := s.Complete(ctx, c, Answer{Status: 200}, 600*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // past the lease
		if got, _ := s.Claim(ctx, keysOf(u("sig"), msg), lease, 100*time.Millisecond); got.State != Answered {
			t.Fatalf("after the lease, within the window: %v", got.State)
		}
		time.Sleep(400 * time.Millisecond) // past the window
		got := claim(t, keysOf(u("sig"), msg))
		if got.State != Claimed {
			t.Fatalf("after the window: %v", got.State)
		}
		s.Release(ctx, got)
	})

	t.Run("concurrent claims: exactly one wins", func(t *testing.T) {
		msg := u("race")
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 64; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if c, err := s.Claim(ctx, keysOf(u(fmt.Sprint("sig", i)), msg), lease, window); err == nil && c.State == Claimed {
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

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	testStore(t, NewMemory(1000))
}

func TestKey(t *testing.T) {
	k := Key("plivo-v3", "signed", "12345678901234567890")
	if k != Key("plivo-v3", "signed", "12345678901234567890") || k == Key("plivo-v2", "signed", "12345678901234567890") ||
		k == Key("plivo-v3", "/hangup", "12345678901234567890") {
		t.Error("keys of different schemes or kinds collide, or one value gives two keys")
	}
	if len(k) != len("plivo-v3:signed:")+32 {
		t.Errorf("key %q: want the scheme, the kind and 16 hex bytes", k)
	}
}
