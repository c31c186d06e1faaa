package replay

import (
	"container/list"
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Memory is an in-process Store: the default, with nothing to run. It holds
// at most a fixed number of keys; every key expires with the window it was
// claimed for, and at the bound new claims fail with ErrFull instead of
// evicting a key early, which would let a replay through.
type Memory struct {
	mu      sync.Mutex
	max     int
	entries map[string]*memEntry
	byAge   *list.List // of *memEntry, oldest claim first: expiry order, for a fixed window
	now     func() time.Time
}

type memEntry struct {
	key     string
	owner   string
	answer  *Answer
	expires time.Time
	elem    *list.Element
}

// NewMemory returns a store that holds at most maxEntries keys.
func NewMemory(maxEntries int) *Memory {
	return &Memory{max: maxEntries, entries: map[string]*memEntry{}, byAge: list.New(), now: time.Now}
}

// Claim implements Store.
func (m *Memory) Claim(_ context.Context, keys []string, window time.Duration) (Claim, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now)
	for _, k := range keys {
		if e, ok := m.entries[k]; ok && e.expires.After(now) {
			if e.answer != nil {
				return Claim{State: Answered, Answer: *e.answer, Keys: keys}, nil
			}
			return Claim{State: InFlight, Keys: keys}, nil
		}
	}
	if len(m.entries)+len(keys) > m.max {
		return Claim{}, ErrFull
	}
	c := Claim{State: Unseen, Owner: newOwner(), Keys: keys}
	for _, k := range keys {
		if old, ok := m.entries[k]; ok { // expired, not yet swept
			m.byAge.Remove(old.elem)
		}
		e := &memEntry{key: k, owner: c.Owner, expires: now.Add(window)}
		e.elem = m.byAge.PushBack(e)
		m.entries[k] = e
	}
	return c, nil
}

// Complete implements Store.
func (m *Memory) Complete(_ context.Context, c Claim, a Answer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range c.Keys {
		if e, ok := m.entries[k]; ok && e.owner == c.Owner {
			stored := a
			e.answer = &stored
		}
	}
	return nil
}

// Release implements Store.
func (m *Memory) Release(_ context.Context, c Claim) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range c.Keys {
		if e, ok := m.entries[k]; ok && e.owner == c.Owner && e.answer == nil {
			m.byAge.Remove(e.elem)
			delete(m.entries, k)
		}
	}
	return nil
}

// Lookup implements Store.
func (m *Memory) Lookup(_ context.Context, key string) (State, Answer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now)
	e, ok := m.entries[key]
	switch {
	case !ok || !e.expires.After(now):
		return Unseen, Answer{}, nil
	case e.answer == nil:
		return InFlight, Answer{}, nil
	}
	return Answered, *e.answer, nil
}

// Len reports how many keys the store holds.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// sweep drops expired keys, oldest first. The guard claims every key for the
// same window, so the list is in expiry order and the sweep stops at the first
// live key; lookups check expiry themselves, so correctness does not depend
// on that order, only how soon memory is reclaimed.
func (m *Memory) sweep(now time.Time) {
	for f := m.byAge.Front(); f != nil; f = m.byAge.Front() {
		e := f.Value.(*memEntry)
		if e.expires.After(now) {
			return
		}
		m.byAge.Remove(f)
		if m.entries[e.key] == e {
			delete(m.entries, e.key)
		}
	}
}

func newOwner() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
