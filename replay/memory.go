package replay

import (
	"context"
	"crypto/sha256"
	"strconv"
	"sync"
	"time"
)

// Memory is an in-process Store: the default, with nothing to run. It holds
// at most a fixed number of keys; at the bound new claims fail with ErrFull
// instead of evicting a key early, which would let a replay through.
//
// Memory follows the live keys and their answers and nothing more: a key
// is dropped when its lease or window ends, and an answer when no key refers
// to it. Keys are kept as 16-byte digests in entries that hold no pointers,
// so that a busy window of hundreds of thousands of keys costs the garbage
// collector nothing to scan; an answer shared by many keys (a static one,
// such as /speak/'s) is stored once.
type Memory struct {
	mu      sync.Mutex
	max     int
	entries map[digest]entry
	answers map[digest]*sharedAnswer
	// Every claim lasts the same lease and every answer the same window, so
	// a queue of each, in the order written, is in expiry order.
	leases, windows expiryQueue
	owners          uint64
	now             func() time.Time
}

type digest [16]byte

func digestOf(parts ...string) digest {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return digest(h.Sum(nil))
}

// entry is one key: in flight for owner, or answered.
type entry struct {
	owner    uint64
	answered bool
	answer   digest // in answers, when answered
	expires  int64  // unix nanoseconds
}

type sharedAnswer struct {
	Answer
	refs int // entries that refer to it
}

// NewMemory returns a store that holds at most maxEntries keys.
func NewMemory(maxEntries int) *Memory {
	return &Memory{max: maxEntries, entries: map[digest]entry{}, answers: map[digest]*sharedAnswer{}, now: time.Now}
}

// Claim implements Store.
func (m *Memory) Claim(_ context.Context, keys []string, lease time.Duration) (Claim, error) {
	ds := make([]digest, len(keys))
	for i, k := range keys {
		ds[i] = digestOf(k)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixNano()
	m.sweep(now)
	for _, d := range ds {
		if e, ok := m.entries[d]; ok && e.expires > now {
			if e.answered {
				return Claim{State: Answered, Answer: m.answers[e.answer].Answer, Keys: keys}, nil
			}
			return Claim{State: InFlight, Keys: keys}, nil
		}
	}
	if len(m.entries)+len(ds) > m.max {
		return Claim{}, ErrFull
	}
	m.owners++
	expires := now + lease.Nanoseconds()
	for _, d := range ds {
		m.drop(d)
		m.entries[d] = entry{owner: m.owners, expires: expires}
		m.leases.push(d, expires)
	}
	return Claim{State: Unseen, Owner: strconv.FormatUint(m.owners, 10), Keys: keys}, nil
}

// Complete implements Store.
func (m *Memory) Complete(_ context.Context, c Claim, a Answer, window time.Duration) error {
	owner, _ := strconv.ParseUint(c.Owner, 10, 64)
	answer := digestOf(strconv.Itoa(a.Status), a.ContentType, string(a.Body))
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixNano()
	m.sweep(now)
	expires := now + window.Nanoseconds()
	stored := false
	for _, key := range c.Keys {
		d := digestOf(key)
		if e, ok := m.entries[d]; !ok || e.owner != owner || e.answered || e.expires <= now {
			continue // the lease ran out: the key is gone or someone else's
		}
		shared := m.answers[answer]
		if shared == nil {
			shared = &sharedAnswer{Answer: Answer{a.Status, a.ContentType, append([]byte(nil), a.Body...)}}
			m.answers[answer] = shared
		}
		shared.refs++
		m.entries[d] = entry{owner: owner, answered: true, answer: answer, expires: expires}
		m.windows.push(d, expires)
		stored = true
	}
	if !stored {
		return ErrLost
	}
	return nil
}

// Release implements Store.
func (m *Memory) Release(_ context.Context, c Claim) error {
	owner, _ := strconv.ParseUint(c.Owner, 10, 64)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, key := range c.Keys {
		d := digestOf(key)
		if e, ok := m.entries[d]; ok && e.owner == owner && !e.answered {
			delete(m.entries, d)
		}
	}
	return nil
}

// sweep drops the keys whose lease or window ended before now.
func (m *Memory) sweep(now int64) {
	for _, q := range []*expiryQueue{&m.leases, &m.windows} {
		for d, expires := range q.popExpired(now) {
			if e, ok := m.entries[d]; ok && e.expires == expires {
				m.drop(d)
			}
		}
	}
}

// drop deletes a key, and its answer when no other key refers to it.
func (m *Memory) drop(d digest) {
	e, ok := m.entries[d]
	if !ok {
		return
	}
	delete(m.entries, d)
	if shared := m.answers[e.answer]; e.answered && shared != nil {
		if shared.refs--; shared.refs == 0 {
			delete(m.answers, e.answer)
		}
	}
}

// expiryQueue holds keys in the order they expire.
type expiryQueue struct {
	items []queued
	head  int // items[head:] are not yet expired
}

type queued struct {
	key     digest
	expires int64
}

func (q *expiryQueue) push(d digest, expires int64) {
	q.items = append(q.items, queued{d, expires})
}

// popExpired yields and removes the keys that expired before now.
func (q *expiryQueue) popExpired(now int64) func(yield func(digest, int64) bool) {
	return func(yield func(digest, int64) bool) {
		for q.head < len(q.items) && q.items[q.head].expires <= now {
			it := q.items[q.head]
			q.head++
			if !yield(it.key, it.expires) {
				break
			}
		}
		if q.head > 1024 && q.head > len(q.items)/2 { // reclaim the popped half
			q.items = append(q.items[:0], q.items[q.head:]...)
			q.head = 0
		}
	}
}
