package security

import (
	"crypto/hmac"
	"encoding/base64"
	"hash"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
)

// keyring holds a verifier's secrets. Keying an HMAC costs more than hashing
// a typical callback, so each secret is keyed once per scratch space and
// reset for each use; scratch spaces are pooled, one per verification in
// flight, so that a verification allocates nothing in the common case.
type keyring struct {
	newHash func() hash.Hash
	secrets []string
	pool    sync.Pool
}

// scratch is the working memory of one verification.
type scratch struct {
	macs  []hash.Hash // macs[i] is keyed with secrets[i]
	pairs []Param     // query parameters, or a sorted copy of the body's
	msg   []byte      // the string being signed
	sum   [64]byte
	enc   [88]byte // base64 of sum
}

// newKeyring keys the non-empty secrets.
func newKeyring(newHash func() hash.Hash, secrets []string) *keyring {
	k := &keyring{newHash: newHash, secrets: nonEmpty(secrets)}
	k.pool.New = func() any {
		s := &scratch{msg: make([]byte, 0, 1024)}
		for _, secret := range k.secrets {
			s.macs = append(s.macs, hmac.New(newHash, []byte(secret)))
		}
		return s
	}
	return k
}

func (k *keyring) get() *scratch { return k.pool.Get().(*scratch) }

func (k *keyring) put(s *scratch) {
	if cap(s.msg) > 64<<10 || cap(s.pairs) > 4096 {
		return // let an outsized buffer go rather than keep it pooled
	}
	k.pool.Put(s)
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// signature returns the base64 MAC of s.msg under secret i, in s's memory.
func (s *scratch) signature(i int) []byte {
	h := s.macs[i]
	h.Reset()
	h.Write(s.msg)
	sum := h.Sum(s.sum[:0])
	enc := s.enc[:base64.StdEncoding.EncodedLen(len(sum))]
	base64.StdEncoding.Encode(enc, sum)
	return enc
}

// matches reports whether any signature in a header's values equals the MAC
// of s.msg under any of the secrets first..last-1. A header may hold several
// comma-separated signatures, and appear more than once. Every comparison
// takes the same time whatever the bytes.
func (s *scratch) matches(values []string, first, last int) bool {
	if len(values) == 0 {
		return false
	}
	matched := false
	for i := first; i < last; i++ {
		want := s.signature(i)
		for _, v := range values {
			for v != "" {
				var sig string
				sig, v, _ = strings.Cut(v, ",")
				if equalConstantTime(want, strings.TrimSpace(sig)) {
					matched = true
				}
			}
		}
	}
	return matched
}

// equalConstantTime compares a computed signature with a received one in time
// that depends only on their lengths, which are public.
func equalConstantTime(want []byte, got string) bool {
	if len(want) != len(got) {
		return false
	}
	var diff byte
	for i := range want {
		diff |= want[i] ^ got[i]
	}
	return diff == 0
}

// countSignatures counts the non-blank signatures in a header's values: a
// header may hold several, comma-separated, and appear more than once.
func countSignatures(values []string) int {
	n := 0
	for _, v := range values {
		for v != "" {
			var sig string
			sig, v, _ = strings.Cut(v, ",")
			if strings.TrimSpace(sig) != "" {
				n++
			}
		}
	}
	return n
}

// headerValue is h.Get for a name already in canonical form.
func headerValue(h http.Header, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// canonical is the form net/http stores a header name in.
func canonical(name string) string { return textproto.CanonicalMIMEHeaderKey(name) }

// sign returns the base64 MAC of msg under secret, for the Sign functions.
func sign(newHash func() hash.Hash, secret string, msg []byte) string {
	h := hmac.New(newHash, []byte(secret))
	h.Write(msg)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
