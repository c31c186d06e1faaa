package replay

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestMemoryLifecycle(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(10)
	now := time.Unix(1000, 0)
	m.now = func() time.Time { return now }

	c, err := m.Claim(ctx, []string{"a", "b"}, time.Minute)
	if err != nil || c.State != Unseen || c.Owner == "" {
		t.Fatalf("first claim: %+v %v", c, err)
	}
	if again, _ := m.Claim(ctx, []string{"b"}, time.Minute); again.State != InFlight {
		t.Fatalf("claim of a key in flight: %v", again.State)
	}
	if err := m.Complete(ctx, Claim{Keys: c.Keys, Owner: "someone else"}, Answer{Status: 200}); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := m.Lookup(ctx, "a"); st != InFlight {
		t.Fatalf("another owner completed the claim: %v", st)
	}
	want := Answer{Status: 200, ContentType: "application/xml", Body: []byte("<Response/>")}
	m.Complete(ctx, c, want)
	for _, k := range []string{"a", "b"} {
		got, _ := m.Claim(ctx, []string{"x", k}, time.Minute)
		if got.State != Answered || string(got.Answer.Body) != string(want.Body) || got.Answer.ContentType != want.ContentType {
			t.Fatalf("claim of answered %q: %+v", k, got)
		}
	}
	if m.Len() != 2 {
		t.Fatalf("a refused claim left keys behind: %d", m.Len())
	}
	m.Release(ctx, c) // an answered claim is not released
	if st, _, _ := m.Lookup(ctx, "a"); st != Answered {
		t.Fatalf("release dropped an answer: %v", st)
	}

	now = now.Add(time.Minute)
	if st, _, _ := m.Lookup(ctx, "a"); st != Unseen || m.Len() != 0 {
		t.Fatalf("after the window: %v, %d keys", st, m.Len())
	}
}

// TestMemoryBound: at the bound, new claims are refused; nothing is evicted
// early, so no replay gets through; once keys expire there is room again.
func TestMemoryBound(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(3)
	now := time.Unix(0, 0)
	m.now = func() time.Time { return now }
	for i, k := range []string{"a", "b", "c"} {
		c, err := m.Claim(ctx, []string{k}, time.Minute)
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
		m.Complete(ctx, c, Answer{Status: 200})
	}
	if _, err := m.Claim(ctx, []string{"d"}, time.Minute); !errors.Is(err, ErrFull) {
		t.Fatalf("claim past the bound: %v, want ErrFull", err)
	}
	if c, _ := m.Claim(ctx, []string{"a"}, time.Minute); c.State != Answered {
		t.Fatalf("a replay at the bound: %v, want the stored answer", c.State)
	}
	now = now.Add(time.Minute)
	if c, err := m.Claim(ctx, []string{"d"}, time.Minute); err != nil || c.State != Unseen {
		t.Fatalf("after expiry: %+v %v", c, err)
	}
}
