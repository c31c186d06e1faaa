package replay

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// fakeClock makes a Memory whose time the test moves.
func fakeClock(m *Memory) *time.Time {
	now := time.Unix(1000, 0)
	m.now = func() time.Time { return now }
	return &now
}

func TestMemoryLifecycle(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(10)
	now := fakeClock(m)
	c, err := m.Claim(ctx, []string{"a", "b"}, 20*time.Second)
	if err != nil || c.State != Unseen {
		t.Fatal(c, err)
	}
	*now = now.Add(19 * time.Second)
	if got, _ := m.Claim(ctx, []string{"b"}, time.Second); got.State != InFlight {
		t.Fatalf("within the lease: %v", got.State)
	}
	if err := m.Complete(ctx, c, Answer{Status: 200, Body: []byte("x")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(59 * time.Second)
	if got, _ := m.Claim(ctx, []string{"a"}, time.Second); got.State != Answered || string(got.Answer.Body) != "x" {
		t.Fatalf("within the window: %+v", got)
	}
	*now = now.Add(2 * time.Second)
	if got, _ := m.Claim(ctx, []string{"a", "b"}, time.Second); got.State != Unseen {
		t.Fatalf("after the window: %v", got.State)
	}
	if len(m.entries) != 2 || len(m.answers) != 0 {
		t.Fatalf("after the window: %d keys and %d answers held, want the 2 new keys and no answer", len(m.entries), len(m.answers))
	}
}

func TestMemoryBound(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(3)
	now := fakeClock(m)
	for i, k := range []string{"a", "b", "c"} {
		c, err := m.Claim(ctx, []string{k}, time.Second)
		if err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
		m.Complete(ctx, c, Answer{Status: 200}, time.Minute)
	}
	if _, err := m.Claim(ctx, []string{"d"}, time.Second); !errors.Is(err, ErrFull) {
		t.Fatalf("claim past the bound: %v, want ErrFull", err)
	}
	if c, _ := m.Claim(ctx, []string{"a"}, time.Second); c.State != Answered {
		t.Fatalf("a replay at the bound: %v, want the stored answer", c.State)
	}
	*now = now.Add(time.Minute)
	if c, err := m.Claim(ctx, []string{"d"}, time.Second); err != nil || c.State != Unseen {
		t.Fatalf("after expiry: %+v %v", c, err)
	}
}

// TestMemoryBoundedUnderChurn: messages from new senders, each answered
// with its own reply (every SMS answer names its sender), claimed under
// three keys each and expiring at a steady rate: the store's heap reaches a
// plateau and stays there, far past the window. Answers that stayed
// interned while traffic continued made it grow without bound.
func TestMemoryBoundedUnderChurn(t *testing.T) {
	if testing.Short() {
		t.Skip("drives 30 windows of churn")
	}
	t.Parallel()
	ctx := context.Background()
	m := NewMemory(1 << 20)
	now := fakeClock(m)
	const perWindow, window = 4000, time.Second
	n := 0
	heapAfter := func(windows int) uint64 {
		for w := 0; w < windows; w++ {
			for i := 0; i < perWindow; i++ {
				n++
				*now = now.Add(window / perWindow)
				id := strconv.Itoa(n)
				c, err := m.Claim(ctx, []string{Key("plivo-v2", "nonce", id), Key("plivo-v2", "signed", id), Key("plivo-v2", "msg", id)}, window/4)
				if err != nil || c.State != Unseen {
					t.Fatal(c.State, err)
				}
				body := fmt.Sprintf(`<Response><Message src="14155550111" dst="1%010d" type="sms">Thanks, we got your message.</Message></Response>`, n)
				if err := m.Complete(ctx, c, Answer{Status: 200, ContentType: "application/xml; charset=utf-8", Body: []byte(body)}, window); err != nil {
					t.Fatal(err)
				}
			}
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	settled := heapAfter(15)
	later := heapAfter(15)
	if len(m.entries) > 3*perWindow+3 || len(m.answers) > perWindow+1 {
		t.Fatalf("%d keys and %d answers held, want at most one window's %d and %d", len(m.entries), len(m.answers), 3*perWindow, perWindow)
	}
	if float64(later) > float64(settled)*1.10 {
		t.Fatalf("heap grew from %d to %d bytes with a constant number of live keys", settled, later)
	}
	t.Logf("heap in use after 15 windows %.1f MiB, after 30 %.1f MiB; %d keys, %d answers", float64(settled)/(1<<20), float64(later)/(1<<20), len(m.entries), len(m.answers))
}
