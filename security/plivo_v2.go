package security

import "crypto/sha256"

// Headers of Plivo's V2 signature, sent on message callbacks (message_url
// and the message status url).
const (
	HeaderPlivoV2      = "X-Plivo-Signature-V2"
	HeaderPlivoMainV2  = "X-Plivo-Signature-Ma-V2"
	HeaderPlivoV2Nonce = "X-Plivo-Signature-V2-Nonce"
)

// PlivoV2 verifies X-Plivo-Signature-V2 and X-Plivo-Signature-Ma-V2.
//
// V2 covers only the URL without its query string, and the nonce: not the
// body, not the query, not the method. Anyone holding one valid (nonce,
// signature) pair can send any body to that URL, so pair it with a replay
// guard that refuses a nonce it has seen. It is safe for concurrent use.
type PlivoV2 struct{ plivoScheme }

// NewPlivoV2 returns a V2 verifier that accepts signatures made with any of
// the given tokens. It fails with [ErrNoToken] when there is none.
func NewPlivoV2(t PlivoTokens) (*PlivoV2, error) {
	s, err := newPlivoScheme(t, HeaderPlivoV2, HeaderPlivoMainV2, HeaderPlivoV2Nonce)
	return &PlivoV2{s}, err
}

// Verify checks the V2 signatures of r and returns the digest of the signed
// string: the URL without its query, then the nonce.
func (v *PlivoV2) Verify(r *Request) (Signed, error) {
	headers, err := v.read(r.Header)
	if err != nil {
		return Signed{}, err
	}
	base, _, err := splitURL(r.URL)
	if err != nil {
		return Signed{}, err
	}
	return v.verify(headers, base, []byte(base+headers.nonce))
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
