// Package replay stops replayed webhooks and answers a provider's genuine
// retries once. After a request verifies, the guard claims its keys (the
// scheme and nonce, and for a message its MessageUUID); a request whose key
// was already answered gets the stored answer, byte for byte, without the
// handler running again, and one whose key is still being handled gets 409.
//
// State lives in a [Store]: [Memory] for one process, or a shared store (see
// redis.go) for several replicas.
package replay

import (
	"context"
	"errors"
	"time"
)

// State is what a store knows of a key.
type State int

const (
	// Unseen: no request holds or has answered the key.
	Unseen State = iota
	// InFlight: a request has claimed the key and is being handled.
	InFlight
	// Answered: the key's request was answered; its answer is stored.
	Answered
)

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
	// State is Unseen when this call claimed the keys (the caller now owns
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

// ErrFull means the store holds as many entries as it may: it cannot
// remember a new request, so it refuses it rather than let a later replay of
// it through. The provider retries.
var ErrFull = errors.New("replay store full")

// Store holds the guard's state. Every method is atomic: two concurrent
// claims of the same key never both succeed, including across processes for
// a shared store. A key lives for the window given at claim time and no
// longer.
type Store interface {
	// Claim claims every key at once for a request in flight, unless one of
	// them is in flight or answered, in which case it claims none and
	// reports that key's state (and answer).
	Claim(ctx context.Context, keys []string, window time.Duration) (Claim, error)
	// Complete stores the answer of a claim for the rest of its window.
	Complete(ctx context.Context, c Claim, a Answer) error
	// Release forgets a claim that was not answered, so that a retry is
	// handled afresh. It does nothing if the claim is no longer held.
	Release(ctx context.Context, c Claim) error
	// Lookup reports the state of one key.
	Lookup(ctx context.Context, key string) (State, Answer, error)
}
