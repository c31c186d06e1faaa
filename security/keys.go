package security

import (
	"crypto/hmac"
	"encoding/base64"
	"hash"
	"net/http"
	"strings"
	"sync"
)

// macKey is one secret, ready to sign with. Keying an HMAC costs more than
// hashing a typical callback, so each key keeps a pool of keyed hashes and
// resets one per use instead of keying anew.
type macKey struct {
	pool sync.Pool
	size int
}

func newMACKey(newHash func() hash.Hash, secret string) *macKey {
	k := &macKey{size: newHash().Size()}
	k.pool.New = func() any { return hmac.New(newHash, []byte(secret)) }
	return k
}

// sum appends the MAC of msg to dst.
func (k *macKey) sum(dst, msg []byte) []byte {
	h := k.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	dst = h.Sum(dst)
	k.pool.Put(h)
	return dst
}

func newMACKeys(newHash func() hash.Hash, secrets []string) []*macKey {
	keys := make([]*macKey, 0, len(secrets))
	for _, s := range secrets {
		if s != "" {
			keys = append(keys, newMACKey(newHash, s))
		}
	}
	return keys
}

// signatures are the candidate signatures from one or more header values,
// each value possibly a comma-separated list.
type signatures []string

func headerSignatures(h http.Header, name string) signatures {
	var out signatures
	for _, v := range h.Values(name) {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// match reports whether any candidate decodes to the MAC of msg under any
// key. Every comparison takes constant time.
func (sigs signatures) match(keys []*macKey, msg []byte) bool {
	if len(sigs) == 0 || len(keys) == 0 {
		return false
	}
	var macBuf, sigBuf [64]byte
	matched := false
	for _, k := range keys {
		mac := k.sum(macBuf[:0], msg)
		for _, s := range sigs {
			if base64.StdEncoding.DecodedLen(len(s)) > len(sigBuf) {
				continue
			}
			n, err := base64.StdEncoding.Decode(sigBuf[:], []byte(s))
			if err == nil && hmac.Equal(mac, sigBuf[:n]) {
				matched = true
			}
		}
	}
	return matched
}

// sign returns the base64 MAC of msg under secret, for the Sign functions.
func sign(newHash func() hash.Hash, secret string, msg []byte) string {
	h := hmac.New(newHash, []byte(secret))
	h.Write(msg)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
