// Package replay stops replayed webhooks and answers a provider's genuine
// retries once. It keeps three promises, for as long as the window lasts:
//
//   - I1, one signature, one handling. A signed string seen in any verified
//     request (handled, answered from the store, or refused while another
//     was in flight) never reaches a handler again, whatever body or query
//     comes with it.
//   - I2, retries answered once. A retry of a callback (the same
//     MessageUUID, MessageUUID and status, or CallUUID, as its route names
//     a callback, under a fresh signature) gets the first handling's answer
//     byte for byte, on any replica; if the first handling failed (5xx,
//     panic, crash, lost lease) the retry is handled.
//   - I3, nothing leaves unkept. An answer is sent only once it is stored
//     with every key of its request; when the store cannot keep it, the
//     client gets 503 instead.
//
// A request is named by [Keys]: the key of what was signed, and the keys of
// the callback it carries. All of them point to one record, in flight while
// a handler runs and answered once it has answered. A request that finds a
// record (by its signature, or by its callback keys under a fresh signature)
// gets that record's state, and its own signature is added to the record, so
// that it too is spent. A handling that fails frees the callback keys, so a
// retry is handled; the signature stays spent.
//
// A claim is a lease: a replica that dies while handling a request holds
// the callback's keys only that long, and the provider's next retry is
// handled. An answer is kept for the whole window.
//
// State lives in a [Store]: [Memory] for one process, or the Redis store of
// package replay/redisstore for several replicas (kept apart so that what
// only needs the guard does not link a Redis client). A [Guard] runs the
// claim, the answer and the abandonment with the configured lease and
// window; it knows nothing of HTTP frameworks. Package replay/storetest
// holds the behaviour every Store must have, as a test.
package replay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Keys names one verified request for the store.
type Keys struct {
	// Signed is the key of what was signed (a digest of the signed string,
	// which holds the nonce). Once seen it is spent for the window.
	Signed string
	// Callback are the keys of the callback the request carries (the
	// handlers make one, from its MessageUUID, its MessageUUID and status
	// together, or its CallUUID; none for a callback named by its
	// signature alone): a provider's retry carries the same ones under a
	// fresh signature. They are freed when the handling fails, so that the
	// retry is handled.
	Callback []string
}

// State is what a claim found. Its zero value is no state: a Claim that no
// Store returned, which the guard never takes for one it may handle.
type State int

const (
	// Claimed: nothing held the keys; this claim now does, and its holder
	// must Complete or Abandon it.
	Claimed State = iota + 1
	// InFlight: another request holds the record and is being handled.
	InFlight
	// Answered: the record was answered; its answer is in the claim.
	Answered
	// Spent: the signature was seen before, and its handling failed or its
	// lease ran out. It is not handled again.
	Spent
)

// String names the state.
func (s State) String() string {
	if s < Claimed || s > Spent {
		return "no state"
	}
	return [...]string{"claimed", "in flight", "answered", "spent"}[s-Claimed]
}

// Answer is a stored response, replayed byte for byte to duplicates.
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
	// Callback names the callback this answer answered, in the caller's
	// words (the handlers keep its IDs, such as "MessageUUID=…"), so that
	// a duplicate is logged under the callback it was answered from, not
	// under what the duplicate's own unsigned body claims. The store keeps
	// it with its record, not as part of the answer sent.
	Callback string
}

// Claim is the outcome of [Store.Claim].
type Claim struct {
	// State says whether this call claimed the keys, or what it found.
	State State
	// Answer is the stored answer when State is Answered.
	Answer Answer
	// RecordID identifies the record claimed, so that only its holder can
	// complete or abandon it.
	RecordID string
	// Keys are the keys of the request.
	Keys Keys
}

var (
	// ErrFull means the store holds as many keys as it may: it cannot
	// remember a new request, so it refuses it rather than let a later
	// replay of it through. The provider retries.
	ErrFull = errors.New("replay store full")
	// ErrLost means a claim's lease ran out before its answer was stored:
	// the record expired, or was abandoned. The answer is not stored, and
	// nothing of a newer claim is changed.
	ErrLost = errors.New("claim lost: its lease ran out")
	// ErrCredentials means the store refused the credentials it was given
	// (a shared store's user or password), rather than being unreachable.
	ErrCredentials = errors.New("replay store refused the credentials")
)

// Store holds the guard's state. Every method is atomic: two concurrent
// claims of the same key never both succeed, including across processes for
// a shared store.
type Store interface {
	// Claim looks the keys up. When none of them names a live record, it
	// creates one, in flight for lease, with the signature kept for window.
	// Otherwise it adds the signature to the record found and reports the
	// record's state (and answer).
	Claim(ctx context.Context, keys Keys, lease, window time.Duration) (Claim, error)
	// Complete stores the answer of a claim still held, with every key of
	// its request, for window from now. It returns ErrLost when the claim's
	// lease ran out.
	Complete(ctx context.Context, c Claim, a Answer, window time.Duration) error
	// Abandon gives up a claim that was not answered: its callback keys are
	// freed, so that a retry is handled afresh; its signature stays spent.
	// It does nothing if the claim is no longer held.
	Abandon(ctx context.Context, c Claim) error
}

// Key is a replay key: a namespace (the signature scheme, such as
// "plivo-v3"), what the value names (a signed digest, a route's callback),
// and the value, hashed, so that keys have a fixed size and carry nothing a
// client chose.
func Key(namespace, kind, value string) string {
	sum := sha256.Sum256([]byte(value))
	return namespace + ":" + kind + ":" + hex.EncodeToString(sum[:16])
}

// Guard claims, completes and abandons a request's keys in a Store, with
// the lease and window of the server's configuration. Put it after the
// signature check and before the handler: only verified requests reach the
// store, so unsigned traffic can neither fill it nor lock out a genuine
// request.
type Guard struct {
	Store Store
	// Window is how long an answer and a spent signature are kept: longer
	// than the provider's last retry (Plivo's is 7 minutes after the first
	// attempt).
	Window time.Duration
	// Lease is how long a claim holds its keys before an answer: longer than
	// a request may take, and well under the provider's first retry
	// (Plivo's comes after 60 s), so that the keys of a request whose
	// server died are free again for that retry.
	Lease time.Duration
}

// Claim claims keys for one lease.
func (g *Guard) Claim(ctx context.Context, keys Keys) (Claim, error) {
	return g.Store.Claim(ctx, keys, g.Lease, g.Window)
}

// Complete stores the answer of c for the window, even when ctx, the
// request's, is done: the answer is sent only once it is kept.
func (g *Guard) Complete(ctx context.Context, c Claim, a Answer) error {
	return g.Store.Complete(context.WithoutCancel(ctx), c, a, g.Window)
}

// Abandon gives up c, so that a retry is handled afresh.
func (g *Guard) Abandon(ctx context.Context, c Claim) error {
	return g.Store.Abandon(context.WithoutCancel(ctx), c)
}
