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

// state observes a key without keeping it: a claim that succeeds is released.
func state(t *testing.T, s Store, key string) State {
	t.Helper()
	c, err := s.Claim(context.Background(), []string{key}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if c.State == Unseen {
		s.Release(context.Background(), c)
	}
	return c.State
}

// testStore runs the behaviour every Store must have. Leases and windows
// are real time: short, so that expiry can be watched.
func testStore(t *testing.T, s Store) {
	ctx := context.Background()
	lease, window := time.Minute, time.Minute
	u := func(k string) string { return fmt.Sprintf("%s-%d", k, time.Now().UnixNano()) }
	a, b := u("a"), u("b")

	t.Run("claim, in flight, complete, answered", func(t *testing.T) {
		c, err := s.Claim(ctx, []string{a, b}, lease)
		if err != nil || c.State != Unseen || c.Owner == "" {
			t.Fatalf("first claim: %+v %v", c, err)
		}
		if again, _ := s.Claim(ctx, []string{u("x"), b}, lease); again.State != InFlight {
			t.Fatalf("claim of a key in flight: %v", again.State)
		}
		if err := s.Complete(ctx, Claim{Keys: c.Keys, Owner: "someone else"}, Answer{Status: 200}, window); !errors.Is(err, ErrLost) {
			t.Fatalf("another owner's completion: %v, want ErrLost", err)
		}
		if st := state(t, s, a); st != InFlight {
			t.Fatalf("another owner completed the claim: %v", st)
		}
		want := Answer{Status: 201, ContentType: "application/xml; charset=utf-8", Body: []byte("<Response>\n\x00é</Response>")}
		if err := s.Complete(ctx, c, want, window); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{a, b} {
			got, err := s.Claim(ctx, []string{u("y"), k}, lease)
			if err != nil || got.State != Answered || got.Answer.Status != want.Status || got.Answer.ContentType != want.ContentType || string(got.Answer.Body) != string(want.Body) {
				t.Fatalf("claim of answered key: %+v %v", got, err)
			}
		}
		s.Release(ctx, c)
		if st := state(t, s, a); st != Answered {
			t.Fatalf("release dropped an answer: %v", st)
		}
	})

	t.Run("a refused claim takes no key", func(t *testing.T) {
		free := u("free")
		if c, _ := s.Claim(ctx, []string{free, b}, lease); c.State != Answered {
			t.Fatalf("%v", c.State)
		}
		if st := state(t, s, free); st != Unseen {
			t.Fatalf("the free key of a refused claim was taken: %v", st)
		}
	})

	t.Run("release", func(t *testing.T) {
		k := u("rel")
		c, _ := s.Claim(ctx, []string{k}, lease)
		s.Release(ctx, Claim{Keys: c.Keys, Owner: "someone else"})
		if st := state(t, s, k); st != InFlight {
			t.Fatalf("another owner released the claim: %v", st)
		}
		s.Release(ctx, c)
		if again, _ := s.Claim(ctx, []string{k}, lease); again.State != Unseen {
			t.Fatalf("a released key is not claimable: %v", again.State)
		}
	})

	// A claim whose holder never finishes (its replica died) frees its keys
	// when its lease ends; the old holder's late completion then changes
	// nothing of the new holder's claim.
	t.Run("a lease that runs out", func(t *testing.T) {
		k := u("lease")
		dead, _ := s.Claim(ctx, []string{k}, 200*time.Millisecond)
		if st := state(t, s, k); st != InFlight {
			t.Fatalf("during the lease: %v", st)
		}
		time.Sleep(300 * time.Millisecond)
		next, err := s.Claim(ctx, []string{k}, lease)
		if err != nil || next.State != Unseen {
			t.Fatalf("after the lease: %+v %v; want the key free for the retry", next, err)
		}
		if err := s.Complete(ctx, dead, Answer{Status: 200, Body: []byte("late")}, window); !errors.Is(err, ErrLost) {
			t.Fatalf("late completion by the old holder: %v, want ErrLost", err)
		}
		s.Release(ctx, dead)
		if st := state(t, s, k); st != InFlight {
			t.Fatalf("the old holder changed the new claim: %v", st)
		}
		if err := s.Complete(ctx, next, Answer{Status: 200, Body: []byte("new")}, window); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.Claim(ctx, []string{k}, lease); c.State != Answered || string(c.Answer.Body) != "new" {
			t.Fatalf("after the new holder's answer: %+v", c)
		}
	})

	t.Run("an answer lasts the window, not the lease", func(t *testing.T) {
		k := u("window")
		c, _ := s.Claim(ctx, []string{k}, 200*time.Millisecond)
		if err := s.Complete(ctx, c, Answer{Status: 200}, 600*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // past the lease
		if st := state(t, s, k); st != Answered {
			t.Fatalf("after the lease, within the window: %v", st)
		}
		time.Sleep(400 * time.Millisecond) // past the window
		if st := state(t, s, k); st != Unseen {
			t.Fatalf("after the window: %v", st)
		}
	})

	t.Run("concurrent claims: exactly one wins", func(t *testing.T) {
		k := u("race")
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 64; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				keys := []string{k}
				if i%2 == 0 {
					keys = []string{u("other"), k} // overlapping key sets
				}
				if c, err := s.Claim(ctx, keys, lease); err == nil && c.State == Unseen {
					wins.Add(1)
				}
			}(i)
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
	k := Key("plivo-v3", "nonce", "12345678901234567890")
	if k != Key("plivo-v3", "nonce", "12345678901234567890") || k == Key("plivo-v2", "nonce", "12345678901234567890") ||
		k == Key("plivo-v3", "signed", "12345678901234567890") {
		t.Error("keys of different schemes or kinds collide, or one value gives two keys")
	}
	if len(k) != len("plivo-v3:nonce:")+32 {
		t.Errorf("key %q: want the scheme, the kind and 16 hex bytes", k)
	}
}
