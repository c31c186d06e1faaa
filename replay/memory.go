package replay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strconv"
	"sync"
	"time"
)

// Memory is an in-process Store: the default, with nothing to run. It holds
// at most a fixed number of keys; every key expires with the window it was
// claimed for, and at the bound new claims fail with ErrFull instead of
// evicting a key early, which would let a replay through.
//
// A busy window holds hundreds of thousands of keys, so entries hold no
// pointers for the garbage collector to scan: keys are kept as digests, and
// identical answers (a static answer, for every request) are stored once.
type Memory struct {
	mu      sync.Mutex
	max     int
	entries map[memKey]memEntry
	queue   []queued // claims in the order made: expiry order, for one window
	head    int      // queue[head:] are live or not yet swept
	answers []Answer // distinct stored answers; entries refer to them by index
	owners  uint64
	now     func() time.Time
}

type memKey [16]byte

type memEntry struct {
	owner   uint64
	answer  int32 // index in answers plus one; 0 while in flight
	expires int64 // unix nanoseconds
}

type queued struct {
	key     memKey
	expires int64
}

// NewMemory returns a store that holds at most maxEntries keys.
func NewMemory(maxEntries int) *Memory {
	return &Memory{max: maxEntries, entries: map[memKey]memEntry{}, now: time.Now}
}

func digestKey(k string) memKey {
	sum := sha256.Sum256([]byte(k))
	return memKey(sum[:16])
}

// Claim implements Store.
func (m *Memory) Claim(_ context.Context, keys []string, window time.Duration) (Claim, error) {
	ks := make([]memKey, len(keys))
	for i, k := range keys {
		ks[i] = digestKey(k)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixNano()
	m.sweep(now)
	for _, k := range ks {
		if e, ok := m.entries[k]; ok && e.expires > now {
			if e.answer > 0 {
				return Claim{State: Answered, Answer: m.answers[e.answer-1], Keys: keys}, nil
			}
			return Claim{State: InFlight, Keys: keys}, nil
		}
	}
	if len(m.entries)+len(ks) > m.max {
		return Claim{}, ErrFull
	}
	m.owners++
	expires := now + window.Nanoseconds()
	for _, k := range ks {
		m.entries[k] = memEntry{owner: m.owners, expires: expires}
		m.queue = append(m.queue, queued{k, expires})
	}
	return Claim{State: Unseen, Owner: strconv.FormatUint(m.owners, 10), Keys: keys}, nil
}

// Complete implements Store.
func (m *Memory) Complete(_ context.Context, c Claim, a Answer) error {
	owner, _ := strconv.ParseUint(c.Owner, 10, 64)
	m.mu.Lock()
	defer m.mu.Unlock()
	idx := int32(0)
	for _, key := range c.Keys {
		k := digestKey(key)
		if e, ok := m.entries[k]; ok && e.owner == owner && e.answer == 0 {
			if idx == 0 {
				idx = m.intern(a)
			}
			e.answer = idx
			m.entries[k] = e
		}
	}
	return nil
}

// intern returns the index (plus one) of an answer equal to a, adding it if
// none is. Distinct answers are few: one per route for static ones.
func (m *Memory) intern(a Answer) int32 {
	for i := len(m.answers) - 1; i >= 0 && i >= len(m.answers)-8; i-- {
		if b := m.answers[i]; b.Status == a.Status && b.ContentType == a.ContentType && bytes.Equal(b.Body, a.Body) {
			return int32(i + 1)
		}
	}
	m.answers = append(m.answers, Answer{a.Status, a.ContentType, bytes.Clone(a.Body)})
	return int32(len(m.answers))
}

// Release implements Store.
func (m *Memory) Release(_ context.Context, c Claim) error {
	owner, _ := strconv.ParseUint(c.Owner, 10, 64)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, key := range c.Keys {
		k := digestKey(key)
		if e, ok := m.entries[k]; ok && e.owner == owner && e.answer == 0 {
			delete(m.entries, k)
		}
	}
	return nil
}

// Lookup implements Store.
func (m *Memory) Lookup(_ context.Context, key string) (State, Answer, error) {
	k := digestKey(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now().UnixNano()
	m.sweep(now)
	e, ok := m.entries[k]
	switch {
	case !ok || e.expires <= now:
		return Unseen, Answer{}, nil
	case e.answer == 0:
		return InFlight, Answer{}, nil
	}
	return Answered, m.answers[e.answer-1], nil
}

// Len reports how many keys the store holds.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// sweep drops expired keys, oldest first. The guard claims every key for the
// same window, so the queue is in expiry order and the sweep stops at the
// first live key; lookups check expiry themselves, so correctness does not
// depend on that order, only how soon memory is reclaimed.
func (m *Memory) sweep(now int64) {
	for m.head < len(m.queue) && m.queue[m.head].expires <= now {
		q := m.queue[m.head]
		if e, ok := m.entries[q.key]; ok && e.expires == q.expires {
			delete(m.entries, q.key)
		}
		m.head++
	}
	if m.head > 1024 && m.head > len(m.queue)/2 { // reclaim the swept half
		m.queue = append(m.queue[:0], m.queue[m.head:]...)
		m.head = 0
	}
	if len(m.entries) == 0 && len(m.answers) > 64 {
		m.answers = nil // every entry is gone: forget the answers too
	}
}
