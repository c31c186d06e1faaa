package replay

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// Memory is an in-process Store: the default, with nothing to run. Its
// keys do not survive a restart. It holds at most a fixed number of keys;
// at the bound new claims fail with ErrFull instead of evicting a key early,
// which would let a replay through.
//
// Memory holds the live keys, their records and their answers and nothing
// more: what has expired is swept at most once a second (and whenever the
// store is full), and an answer shared by many records (a static one, such
// as /speak/'s) is stored once.
type Memory struct {
	mu        sync.Mutex
	max       int
	keys      map[string]keyEntry
	records   map[uint64]*record
	answers   map[string]*sharedAnswer // by content: equal answers are stored once
	lastID    uint64
	lastSweep time.Time
	now       func() time.Time
}

// keyEntry points a key at its record until it expires.
type keyEntry struct {
	record  uint64
	expires time.Time
}

// record is in flight until answered (answer set), and lives until expires.
type record struct {
	answer   *sharedAnswer
	callback string // Answer.Callback: each record's own, the answer shared
	expires  time.Time
}

type sharedAnswer struct {
	Answer
	content string // its key in answers
	refs    int    // records that hold it
}

// sweepEvery is how often expired keys and records are dropped.
const sweepEvery = time.Second

// NewMemory returns a store that holds at most maxEntries keys.
func NewMemory(maxEntries int) *Memory {
	return &Memory{max: maxEntries, keys: map[string]keyEntry{}, records: map[uint64]*record{},
		answers: map[string]*sharedAnswer{}, now: time.Now}
}

// Claim implements Store.
func (m *Memory) Claim(_ context.Context, keys Keys, lease, window time.Duration) (Claim, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if now.Sub(m.lastSweep) >= sweepEvery {
		m.sweep(now)
	}
	if id, ok := m.live(keys.Signed, now); ok {
		return m.found(id, keys, now), nil
	}
	for _, k := range keys.Callback {
		if id, ok := m.live(k, now); ok && m.records[id] != nil && m.records[id].expires.After(now) {
			if !m.room(1, now) {
				return Claim{}, ErrFull
			}
			m.keys[keys.Signed] = keyEntry{id, now.Add(window)}
			return m.found(id, keys, now), nil
		}
	}
	if !m.room(1+len(keys.Callback), now) {
		return Claim{}, ErrFull
	}
	m.lastID++
	id := m.lastID
	m.records[id] = &record{expires: now.Add(lease)}
	m.keys[keys.Signed] = keyEntry{id, now.Add(window)}
	for _, k := range keys.Callback {
		m.keys[k] = keyEntry{id, now.Add(lease)}
	}
	return Claim{State: Claimed, RecordID: strconv.FormatUint(id, 10), Keys: keys}, nil
}

// live reports the record a key points to, if the key has not expired.
func (m *Memory) live(key string, now time.Time) (uint64, bool) {
	e, ok := m.keys[key]
	return e.record, ok && e.expires.After(now)
}

// found is the claim of a request that found record id: its state, or
// Spent when the record is gone (abandoned, or its lease ran out).
func (m *Memory) found(id uint64, keys Keys, now time.Time) Claim {
	r := m.records[id]
	switch {
	case r == nil || !r.expires.After(now):
		return Claim{State: Spent, Keys: keys}
	case r.answer == nil:
		return Claim{State: InFlight, Keys: keys}
	default:
		a := r.answer.Answer
		a.Callback = r.callback
		return Claim{State: Answered, Answer: a, Keys: keys}
	}
}

// room reports whether n more keys fit, sweeping once if they do not.
func (m *Memory) room(n int, now time.Time) bool {
	if len(m.keys)+n <= m.max {
		return true
	}
	m.sweep(now)
	return len(m.keys)+n <= m.max
}

// Complete implements Store.
func (m *Memory) Complete(_ context.Context, c Claim, a Answer, window time.Duration) error {
	id, _ := strconv.ParseUint(c.RecordID, 10, 64)
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	r := m.records[id]
	if r == nil || r.answer != nil || !r.expires.After(now) {
		return ErrLost
	}
	r.answer, r.callback, r.expires = m.intern(a), a.Callback, now.Add(window)
	for _, k := range append([]string{c.Keys.Signed}, c.Keys.Callback...) {
		if e, ok := m.keys[k]; ok && e.record == id && e.expires.Before(r.expires) {
			m.keys[k] = keyEntry{id, r.expires}
		}
	}
	return nil
}

// intern stores a copy of a, or counts one more holder of an equal answer.
func (m *Memory) intern(a Answer) *sharedAnswer {
	content := strconv.Itoa(a.Status) + "\x00" + a.ContentType + "\x00" + string(a.Body)
	s := m.answers[content]
	if s == nil {
		s = &sharedAnswer{Answer: Answer{Status: a.Status, ContentType: a.ContentType, Body: []byte(content[len(content)-len(a.Body):])}, content: content}
		m.answers[content] = s
	}
	s.refs++
	return s
}

// Abandon implements Store.
func (m *Memory) Abandon(_ context.Context, c Claim) error {
	id, _ := strconv.ParseUint(c.RecordID, 10, 64)
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.records[id]; r == nil || r.answer != nil {
		return nil
	}
	delete(m.records, id)
	for _, k := range c.Keys.Callback {
		if m.keys[k].record == id {
			delete(m.keys, k)
		}
	}
	return nil
}

// sweep drops expired keys and records, and answers no record holds.
func (m *Memory) sweep(now time.Time) {
	m.lastSweep = now
	for k, e := range m.keys {
		if !e.expires.After(now) {
			delete(m.keys, k)
		}
	}
	for id, r := range m.records {
		if r.expires.After(now) {
			continue
		}
		delete(m.records, id)
		if s := r.answer; s != nil {
			if s.refs--; s.refs == 0 {
				delete(m.answers, s.content)
			}
		}
	}
}
