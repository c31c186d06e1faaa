package security

import (
	"crypto/sha256"
	"fmt"
	"net/http"
)

// PlivoTokens are the secrets a Plivo verifier accepts. Each list may hold
// several tokens so that one can be rotated without downtime: a signature
// made with any of them verifies.
type PlivoTokens struct {
	// AuthTokens verify X-Plivo-Signature-V3 and -V2: the auth token of the
	// account or subaccount that owns the application or number.
	AuthTokens []string
	// MainAccountTokens verify X-Plivo-Signature-Ma-V3 and -Ma-V2, which
	// Plivo always signs with the main account's token. Optional.
	MainAccountTokens []string
}

// MaxNonceLength is the longest nonce accepted. Plivo's are 20 digits.
const MaxNonceLength = 64

// ValidNonce reports whether nonce is a plain token, as Plivo sends: 1 to
// [MaxNonceLength] ASCII letters and digits (Plivo's documentation and every
// SDK test vector show digits only).
//
// The rule matters for more than tidiness. Plivo signs URL + nonce (V2) and
// ... + "." + nonce (V3) with nothing of fixed length in between, so a nonce
// holding '/' or '.' would let the same signed string be cut into another
// request and another nonce. A nonce with neither leaves one way to cut it.
func ValidNonce(nonce string) bool {
	if nonce == "" || len(nonce) > MaxNonceLength {
		return false
	}
	for _, c := range []byte(nonce) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// plivoScheme is what V3 and V2 share: three headers and two sets of tokens.
type plivoScheme struct {
	signature, mainSignature, nonce string // header names, canonical
	account, main                   []*secret
}

func newPlivoScheme(t PlivoTokens, signature, mainSignature, nonce string) (plivoScheme, error) {
	p := plivoScheme{signature: signature, mainSignature: mainSignature, nonce: nonce,
		account: newSecrets(sha256.New, t.AuthTokens), main: newSecrets(sha256.New, t.MainAccountTokens)}
	if len(p.account)+len(p.main) == 0 {
		return p, fmt.Errorf("%w: give at least one Plivo auth token", ErrNoToken)
	}
	return p, nil
}

// plivoHeaders are a request's decoded signatures and its nonce.
type plivoHeaders struct {
	account, main [][]byte // from the account's header and the main account's
	count         int      // signatures present, decodable or not
	nonce         string
}

// read checks and reads the scheme's headers.
func (p plivoScheme) read(h http.Header) (plivoHeaders, error) {
	var ph plivoHeaders
	var n1, n2 int
	ph.account, n1 = decodeSignatures(h[p.signature])
	ph.main, n2 = decodeSignatures(h[p.mainSignature])
	ph.count = n1 + n2
	if ph.count == 0 {
		return ph, fmt.Errorf("%w: expected %s or %s", ErrNoSignature, p.signature, p.mainSignature)
	}
	if nonce := h[p.nonce]; len(nonce) > 0 {
		ph.nonce = nonce[0]
	}
	if ph.nonce == "" {
		return ph, fmt.Errorf("%w: %s is missing or empty", ErrNoNonce, p.nonce)
	}
	if !ValidNonce(ph.nonce) {
		return ph, fmt.Errorf("%w: %s must be 1 to %d ASCII letters and digits", ErrBadNonce, p.nonce, MaxNonceLength)
	}
	return ph, nil
}

// CheckHeaders reports whether h holds a signature and a well-formed nonce.
func (p plivoScheme) CheckHeaders(h http.Header) error {
	_, err := p.read(h)
	return err
}

// verify checks the signatures in ph against msg, the signed string with
// base, the URL as rebuilt, at its start (and then with base's equivalent
// spellings), and returns the string that matched.
func (p plivoScheme) verify(ph plivoHeaders, base string, msg []byte) (Signed, error) {
	signed, ok := firstMatch(base, msg, func(spelling string, rest []byte) bool {
		return anySigns(p.account, spelling, rest, ph.account) || anySigns(p.main, spelling, rest, ph.main)
	})
	if !ok {
		return Signed{}, fmt.Errorf("%w: none of %d signature(s) matched; check the auth token and that the URL rebuilt (%s) is the one Plivo requested",
			ErrMismatch, ph.count, base)
	}
	return signed, nil
}
