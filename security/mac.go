package security

import (
	"crypto/hmac"
	"encoding/base64"
	"hash"
	"strings"
	"sync"
)

// secret is one token or signing key. Keying an HMAC costs about as much as
// hashing a whole callback, so its keyed HMACs are pooled and reset for
// every use.
type secret struct{ macs sync.Pool }

// keyedMAC is an HMAC keyed with a secret, and room for its sum.
type keyedMAC struct {
	hash.Hash
	sum []byte
}

func newSecret(newHash func() hash.Hash, key string) *secret {
	s := &secret{}
	s.macs.New = func() any { return &keyedMAC{Hash: hmac.New(newHash, []byte(key))} }
	return s
}

// newSecrets keys every non-empty key.
func newSecrets(newHash func() hash.Hash, keys []string) []*secret {
	var out []*secret
	for _, k := range keys {
		if k != "" {
			out = append(out, newSecret(newHash, k))
		}
	}
	return out
}

// signs reports whether any of sigs is the MAC of prefix + rest under s.
// The comparison takes the same time whatever the bytes (hmac.Equal), so a
// forger learns nothing from how long a refusal takes.
func (s *secret) signs(prefix string, rest []byte, sigs [][]byte) bool {
	mac := s.macs.Get().(*keyedMAC)
	defer s.macs.Put(mac)
	mac.Reset()
	if prefix != "" {
		mac.Write([]byte(prefix))
	}
	mac.Write(rest)
	mac.sum = mac.Sum(mac.sum[:0])
	matched := false
	for _, sig := range sigs {
		matched = hmac.Equal(mac.sum, sig) || matched
	}
	return matched
}

// anySigns reports whether any of secrets signs prefix + rest with one of sigs.
func anySigns(secrets []*secret, prefix string, rest []byte, sigs [][]byte) bool {
	if len(sigs) == 0 {
		return false
	}
	for _, s := range secrets {
		if s.signs(prefix, rest, sigs) {
			return true
		}
	}
	return false
}

// decodeSignatures reads signature header values: a header may hold several
// comma-separated base64 signatures, and appear more than once. It returns
// the decoded signatures and how many non-blank ones there were; one that
// is not base64 counts, but can match nothing.
func decodeSignatures(values []string) (sigs [][]byte, n int) {
	for _, v := range values {
		for v != "" {
			var sig string
			sig, v, _ = strings.Cut(v, ",")
			if sig = strings.TrimSpace(sig); sig == "" {
				continue
			}
			n++
			if b, err := base64.StdEncoding.DecodeString(sig); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	return sigs, n
}

// sign returns the base64 MAC of msg under key, as the providers send it.
func sign(newHash func() hash.Hash, key string, msg []byte) string {
	mac := hmac.New(newHash, []byte(key))
	mac.Write(msg)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
