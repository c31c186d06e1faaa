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
type PlivoV2 struct{ keys plivoKeys }

// NewPlivoV2 returns a V2 verifier that accepts signatures made with any of
// the given tokens. It fails with [ErrNoToken] when there is none.
func NewPlivoV2(t PlivoTokens) (*PlivoV2, error) {
	k, err := newPlivoKeys(t)
	if err != nil {
		return nil, err
	}
	return &PlivoV2{k}, nil
}

var v2Headers = plivoHeaders{HeaderPlivoV2, HeaderPlivoMainV2, HeaderPlivoV2Nonce}

// Verify reports whether any signature in the V2 headers matches.
func (v *PlivoV2) Verify(r *Request) error {
	return v.keys.verify(r, v2Headers, appendV2Message)
}

// SignPlivoV2 returns the X-Plivo-Signature-V2 value that Plivo sends for a
// request to rawURL with the given nonce.
func SignPlivoV2(token, rawURL, nonce string) (string, error) {
	base, _, err := splitURL(rawURL)
	if err != nil {
		return "", err
	}
	msg, _ := appendV2Message(nil, base, nonce)
	return sign(sha256.New, token, msg), nil
}

// appendV2Message appends the string V2 signs, scheme://host/path + nonce
// with no separator, to dst.
func appendV2Message(dst []byte, base, nonce string) ([]byte, error) {
	dst = append(dst, base...)
	return append(dst, nonce...), nil
}
