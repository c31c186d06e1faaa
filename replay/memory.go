package replay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Memory is an in-process Store: the default, with nothing to run. It holds
// at most a fixed number of keys; at the bound new claims fail with ErrFull
// instead of evicting a key early, which would let a replay through.
//
// Memory follows the live keys and their answers and nothing more: a key is
// dropped once its lease or window has ended, and an answer when no key
// refers to it. Keys are kept as 16-byte digests in entries that hold no
// pointers, so that a busy window of hundreds of thousands of keys costs
// the garbage collector nothing to scan; an answer shared by many keys (a
// static one, such as /speak/'s) is stored once.
type Memory struct {
	mu      sync.Mutex
	max     int
	entries map[digest]entry
	answers map[digest]*sharedAnswer
	last    *sharedAnswer // the answer stored last, and its digest: most
	lastID  digest        // routes answer the same bytes every time
	claims  []claimed     // in the order claimed; swept from the front
	head    int           // claims[head:] are not yet swept
	owners  uint64
	now     func() time.Time
}

type digest [16]byte

// digestOf is a key's 16-byte digest.
func digestOf(key string) digest {
	sum := sha256.Sum256([]byte(key))
	return digest(sum[:16])
}

// answerDigest identifies an answer, so that equal answers are stored once.
func answerDigest(a Answer) digest {
	sum := sha256.Sum256(slices.Concat([]byte(strconv.Itoa(a.Status)+"\x00"+a.ContentType+"\x00"), a.Body))
	return digest(sum[:16])
}

// entry is one key: in flight for owner until expires, or answered.
type entry struct {
	owner    uint64
	answered bool
	answer   digest // in answers, when answered
	expires  int64  // unix nanoseconds
}

// claimed is one key of one claim, in the order claimed.
type claimed struct {
	key   digest
	owner uint64
}

type sharedAnswer struct {
	Answer
	refs int // entries that refer to it
}

func (s *sharedAnswer) equal(a Answer) bool {
	return s.Status == a.Status && s.ContentType == a.ContentType && bytes.Equal(s.Body, a.Body)
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
	for _, d := range ds {
		m.drop(d) // an expired entry not yet swept
		m.entries[d] = entry{owner: m.owners, expires: now + lease.Nanoseconds()}
		m.claims = append(m.claims, claimed{d, m.owners})
	}
	return Claim{State: Unseen, Owner: strconv.FormatUint(m.owners, 10), Keys: keys}, nil
}

// Complete implements Store.
func (m *Memory) Complete(_ context.Context, c Claim, a Answer, window time.Duration) error {
	owner, _ := strconv.ParseUint(c.Owner, 10, 64)
	m.mu.Lock()
	defer m.mu.Unlock()
	answer := m.lastID
	if m.last == nil || !m.last.equal(a) {
		answer = answerDigest(a)
	}
	now := m.now().UnixNano()
	stored := false
	for _, key := range c.Keys {
		d := digestOf(key)
		if e, ok := m.entries[d]; !ok || e.owner != owner || e.answered || e.expires <= now {
			continue // the lease ran out: the key is gone, or someone else's
		}
		shared := m.answers[answer]
		if shared == nil {
			shared = &sharedAnswer{Answer: Answer{a.Status, a.ContentType, append([]byte(nil), a.Body...)}}
			m.answers[answer] = shared
		}
		shared.refs++
		m.last, m.lastID = shared, answer
		m.entries[d] = entry{owner: owner, answered: true, answer: answer, expires: now + window.Nanoseconds()}
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

// sweep drops expired keys, oldest claim first, and stops at the first claim
// still alive. Claims made later usually expire later too (every claim has
// the same lease and every answer the same window); one that expired sooner
// (a released or abandoned claim) is no longer seen by Claim, and is dropped
// when the sweep reaches it.
func (m *Memory) sweep(now int64) {
	for ; m.head < len(m.claims); m.head++ {
		c := m.claims[m.head]
		if e, ok := m.entries[c.key]; ok && e.owner == c.owner {
			if e.expires > now {
				break
			}
			m.drop(c.key)
		}
	}
	if m.head > 1024 && m.head > len(m.claims)/2 { // reclaim the swept half
		m.claims = append(m.claims[:0], m.claims[m.head:]...)
		m.head = 0
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
			if m.last == shared {
				m.last = nil
			}
		}
	}
}
