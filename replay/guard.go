package replay

import (
	"context"
	"time"
)

// Guard claims, completes and releases a request's keys in a Store, with
// the lease, window and timeouts of the server's configuration. Put it after
// the signature check and before the handler: only verified requests reach
// the store, so unsigned traffic can neither fill it nor lock out a genuine
// request.
type Guard struct {
	Store Store
	// Window is how long an answer is kept: longer than the provider's last
	// retry (Plivo's is 7 minutes after the first attempt).
	Window time.Duration
	// Lease is how long a claim holds its keys before an answer: longer than
	// a request may take, and well under the provider's first retry
	// (Plivo's comes after 60 s), so that the keys of a request whose
	// server died are free again for that retry.
	Lease time.Duration
	// StoreTimeout bounds each call to a store that does I/O (Redis). Zero
	// means no bound beyond the caller's context.
	StoreTimeout time.Duration
	// MaxAnswerBytes bounds a stored answer; zero means 64 KiB.
	MaxAnswerBytes int
}

// Claim claims keys for one lease.
func (g *Guard) Claim(ctx context.Context, keys []string) (Claim, error) {
	ctx, cancel := g.storeContext(ctx)
	defer cancel()
	return g.Store.Claim(ctx, keys, g.Lease)
}

// Complete stores the answer of c for the window. It is bounded by
// StoreTimeout even when ctx, the request's, is done.
func (g *Guard) Complete(ctx context.Context, c Claim, a Answer) error {
	ctx, cancel := g.storeContext(context.WithoutCancel(ctx))
	defer cancel()
	return g.Store.Complete(ctx, c, a, g.Window)
}

// Release gives up c, so that a retry is handled afresh.
func (g *Guard) Release(ctx context.Context, c Claim) error {
	ctx, cancel := g.storeContext(context.WithoutCancel(ctx))
	defer cancel()
	return g.Store.Release(ctx, c)
}

// MaxAnswer is the largest answer stored; a larger one is replaced by a
// short refusal, so that its duplicates are still refused.
func (g *Guard) MaxAnswer() int {
	if g.MaxAnswerBytes > 0 {
		return g.MaxAnswerBytes
	}
	return 64 << 10
}

// storeContext bounds one store call by StoreTimeout, when set.
func (g *Guard) storeContext(parent context.Context) (context.Context, context.CancelFunc) {
	if g.StoreTimeout > 0 {
		return context.WithTimeout(parent, g.StoreTimeout)
	}
	return parent, func() {}
}
