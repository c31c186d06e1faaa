// Package replay stops replayed webhooks and answers a provider's genuine
// retries once. After a request verifies, its keys (the digest of what was
// signed, which holds the nonce, and for a message its MessageUUID) are
// claimed; a request whose key was already answered gets the stored answer,
// byte for byte, without its handler running again, and one whose key is
// still being handled is refused for now.
//
// A claim is a lease: it lasts as long as a request may take, so that a
// replica that dies while handling a request holds its keys only that long,
// and the provider's next retry is handled. An answer is kept for the whole
// window.
//
// State lives in a [Store]: [Memory] for one process, or [Redis] for several
// replicas. A [Guard] runs the claim, the answer and the release with the
// configured lease, window and timeouts; it knows nothing of HTTP frameworks.
package replay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// State is what a store knows of a key.
type State int

const (
	// Unseen: no request holds or has answered the key.
	Unseen State = iota
	// InFlight: a request has claimed the key and its lease has not run out.
	InFlight
	// Answered: the key's request was answered; its answer is stored.
	Answered
)

// String names the state.
func (s State) String() string {
	return [...]string{"unseen", "in flight", "answered"}[s]
}

// Answer is a stored response, replayed byte for byte to duplicates.
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

// Claim is the outcome of [Store.Claim].
type Claim struct {
	// State is Unseen when this call claimed the keys (the caller now holds
	// them and must Complete or Release), or the state of the first key
	// already taken.
	State State
	// Answer is the stored answer when State is Answered.
	Answer Answer
	// Owner identifies this claim, so that only its holder can complete or
	// release it.
	Owner string
	// Keys are the keys claimed.
	Keys []string
}

var (
	// ErrFull means the store holds as many keys as it may: it cannot
	// remember a new request, so it refuses it rather than let a later
	// replay of it through. The provider retries.
	ErrFull = errors.New("replay store full")
	// ErrLost means a claim's lease ran out before its answer was stored:
	// the keys expired, or another request has claimed them since. The
	// answer is not stored, and nothing of the newer claim is changed.
	ErrLost = errors.New("claim lost: its lease ran out")
)

// Store holds the guard's state. Every method is atomic: two concurrent
// claims of the same key never both succeed, including across processes for
// a shared store.
type Store interface {
	// Claim claims every key at once for lease, unless one of them is in
	// flight or answered, in which case it claims none and reports that
	// key's state (and answer).
	Claim(ctx context.Context, keys []string, lease time.Duration) (Claim, error)
	// Complete stores the answer of a claim still held, for window from now.
	// It returns ErrLost when the claim's lease ran out.
	Complete(ctx context.Context, c Claim, a Answer, window time.Duration) error
	// Release forgets a claim that was not answered, so that a retry is
	// handled afresh. It does nothing if the claim is no longer held.
	Release(ctx context.Context, c Claim) error
}

// Key is a replay key: a scheme, what the value is (a nonce, a signed
// digest, a message), and the value, hashed, so that keys have a fixed
// size and carry nothing a client chose.
func Key(scheme, kind, value string) string {
	sum := sha256.Sum256([]byte(value))
	return scheme + ":" + kind + ":" + hex.EncodeToString(sum[:16])
}
