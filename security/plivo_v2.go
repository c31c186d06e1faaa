package security

import "crypto/sha256"

// Headers of Plivo's V2 signature, sent on message callbacks (message_url).
const (
	HeaderPlivoV2      = "X-Plivo-Signature-V2"
	HeaderPlivoMainV2  = "X-Plivo-Signature-Ma-V2"
	HeaderPlivoV2Nonce = "X-Plivo-Signature-V2-Nonce"
)

// PlivoV2 verifies X-Plivo-Signature-V2 and X-Plivo-Signature-Ma-V2.
//
// V2 covers only the URL without its query string and the nonce: not the
// body, not the query, not the method. Anyone holding one valid (nonce,
// signature) pair can send any body to that URL, so pair it with a replay
// guard that refuses a nonce it has seen. It is safe for concurrent use.
type PlivoV2 struct{ scheme *plivoScheme }

// NewPlivoV2 returns a V2 verifier that accepts signatures made with any of
// the given tokens. It fails with [ErrNoToken] when there is none.
func NewPlivoV2(t PlivoTokens) (*PlivoV2, error) {
	s, err := newPlivoScheme(t, HeaderPlivoV2, HeaderPlivoMainV2, HeaderPlivoV2Nonce, v2Message)
	if err != nil {
		return nil, err
	}
	return &PlivoV2{s}, nil
}

// Verify reports whether any signature in the V2 headers matches.
func (v *PlivoV2) Verify(r *Request) error { return v.scheme.verify(r) }

func v2Message(s *scratch, _ *Request, base, _, nonce string) error {
	s.msg = append(append(s.msg[:0], base...), nonce...)
	return nil
}

// SignPlivoV2 returns the X-Plivo-Signature-V2 value that Plivo sends for a
// request to rawURL with the given nonce: the URL without its query string,
// then the nonce, with no separator.
func SignPlivoV2(token, rawURL, nonce string) (string, error) {
	base, _, err := splitURL(rawURL)
	if err != nil {
		return "", err
	}
	return sign(sha256.New, token, []byte(base+nonce)), nil
}
