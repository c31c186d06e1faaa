package security

import (
	"crypto/hmac"
	"encoding/base64"
	"hash"
	"net/http"
	"strings"
)

// keys are HMACs keyed once with each secret; a check clones one (safe for
// concurrent use), so the secret is not hashed again for every request.
type keys []hash.Hash

// newKeys keys an HMAC of newHash with each secret that is not empty.
func newKeys(newHash func() hash.Hash, secrets []string) keys {
	var k keys
	for _, secret := range secrets {
		if secret != "" {
			k = append(k, hmac.New(newHash, []byte(secret)))
		}
	}
	return k
}

// match reports whether one of sigs is the HMAC of msg under one of the
// keys. It computes the HMAC under every key, even after one matched, so
// that a request costs the same whichever key signed it, or none: a forged
// request is never dearer than a signed one (I4), and how long a check
// takes tells nothing of which secret matched. Each comparison takes the
// same time whatever the bytes (hmac.Equal).
// The message is given in parts, hashed one after the other, so that a
// caller need not join them.
func (k keys) match(sigs [][]byte, msg ...[]byte) bool {
	if len(sigs) == 0 {
		return false
	}
	matched := false
	for _, keyed := range k {
		mac, err := keyed.(hash.Cloner).Clone()
		if err != nil {
			return false
		}
		for _, part := range msg {
			mac.Write(part)
		}
		sum := mac.Sum(nil)
		for _, sig := range sigs {
			if hmac.Equal(sum, sig) {
				matched = true
			}
		}
	}
	return matched
}

// signatures decodes the signatures in h's headers names (canonical): a
// header may hold several comma-separated base64 signatures, and appear
// more than once. n counts the non-blank ones; one that is not base64
// counts, but can match nothing.
func signatures(h http.Header, names ...string) (sigs [][]byte, n int) {
	for _, name := range names {
		for _, v := range h[name] {
			for sig := range strings.SplitSeq(v, ",") {
				if sig = strings.TrimSpace(sig); sig == "" {
					continue
				}
				n++
				if b, err := base64.StdEncoding.DecodeString(sig); err == nil {
					sigs = append(sigs, b)
				}
			}
		}
	}
	return sigs, n
}

// sign returns the base64 HMAC of msg under key, as the providers send it.
func sign(newHash func() hash.Hash, key string, msg []byte) string {
	mac := hmac.New(newHash, []byte(key))
	mac.Write(msg)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
