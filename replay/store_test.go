package replay

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testStore runs the behaviour every Store must have.
func testStore(t *testing.T, s Store) {
	ctx := context.Background()
	window := time.Minute
	u := func(k string) string { return fmt.Sprintf("%s-%d", k, time.Now().UnixNano()) }
	a, b := u("a"), u("b")

	t.Run("claim, in flight, complete, answered", func(t *testing.T) {
		c, err := s.Claim(ctx, []string{a, b}, window)
		if err != nil || c.State != Unseen || c.Owner == "" {
			t.Fatalf("first claim: %+v %v", c, err)
		}
		if again, _ := s.Claim(ctx, []string{u("x"), b}, window); again.State != InFlight {
			t.Fatalf("claim of a key in flight: %v", again.State)
		}
		s.Complete(ctx, Claim{Keys: c.Keys, Owner: "someone else"}, Answer{Status: 200})
		if st, _, _ := s.Lookup(ctx, a); st != InFlight {
			t.Fatalf("another owner completed the claim: %v", st)
		}
		want := Answer{Status: 201, ContentType: "application/xml; charset=utf-8", Body: []byte("<Response>\n\x00é</Response>")}
		if err := s.Complete(ctx, c, want); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{a, b} {
			got, err := s.Claim(ctx, []string{u("y"), k}, window)
			if err != nil || got.State != Answered || got.Answer.Status != want.Status || got.Answer.ContentType != want.ContentType || string(got.Answer.Body) != string(want.Body) {
				t.Fatalf("claim of answered key: %+v %v", got, err)
			}
		}
		s.Release(ctx, c)
		if st, _, _ := s.Lookup(ctx, a); st != Answered {
			t.Fatalf("release dropped an answer: %v", st)
		}
	})

	t.Run("a refused claim takes no key", func(t *testing.T) {
		free := u("free")
		if c, _ := s.Claim(ctx, []string{free, b}, window); c.State != Answered {
			t.Fatalf("%v", c.State)
		}
		if st, _, _ := s.Lookup(ctx, free); st != Unseen {
			t.Fatalf("the free key of a refused claim was taken: %v", st)
		}
	})

	t.Run("release", func(t *testing.T) {
		k := u("rel")
		c, _ := s.Claim(ctx, []string{k}, window)
		s.Release(ctx, Claim{Keys: c.Keys, Owner: "someone else"})
		if st, _, _ := s.Lookup(ctx, k); st != InFlight {
			t.Fatalf("another owner released the claim: %v", st)
		}
		s.Release(ctx, c)
		if again, _ := s.Claim(ctx, []string{k}, window); again.State != Unseen {
			t.Fatalf("a released key is not claimable: %v", again.State)
		}
	})

	t.Run("expiry", func(t *testing.T) {
		k := u("exp")
		c, _ := s.Claim(ctx, []string{k}, 300*time.Millisecond)
		s.Complete(ctx, c, Answer{Status: 200})
		time.Sleep(400 * time.Millisecond)
		if st, _, _ := s.Lookup(ctx, k); st != Unseen {
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
				if c, err := s.Claim(ctx, keys, window); err == nil && c.State == Unseen {
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

func TestMemoryStore(t *testing.T) { testStore(t, NewMemory(1000)) }
