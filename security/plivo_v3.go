package security

import (
	"crypto/sha256"
	"fmt"
	"net/url"
	"slices"
)

// Headers of Plivo's V3 signature, sent on voice callbacks (answer_url,
// hangup_url, action_url, callback_url).
const (
	HeaderPlivoV3      = "X-Plivo-Signature-V3"
	HeaderPlivoMainV3  = "X-Plivo-Signature-Ma-V3"
	HeaderPlivoV3Nonce = "X-Plivo-Signature-V3-Nonce"
)

// PlivoV3 verifies X-Plivo-Signature-V3 and X-Plivo-Signature-Ma-V3. It
// covers the method, the URL with its query string, the body parameters and
// the nonce. It is safe for concurrent use.
type PlivoV3 struct{ keys plivoKeys }

// NewPlivoV3 returns a V3 verifier that accepts signatures made with any of
// the given tokens. It fails with [ErrNoToken] when there is none.
func NewPlivoV3(t PlivoTokens) (*PlivoV3, error) {
	k, err := newPlivoKeys(t)
	if err != nil {
		return nil, err
	}
	return &PlivoV3{k}, nil
}

var v3Headers = plivoHeaders{HeaderPlivoV3, HeaderPlivoMainV3, HeaderPlivoV3Nonce}

// Verify reports whether any signature in the V3 headers matches. A header
// may hold several comma-separated signatures; one match is enough.
func (v *PlivoV3) Verify(r *Request) error {
	if r.Method != "GET" && r.Method != "POST" {
		return fmt.Errorf("%w: Plivo signs GET and POST only, not %q", ErrMismatch, clip(r.Method, 16))
	}
	_, query, err := splitURL(r.URL)
	if err != nil {
		return err
	}
	return v.keys.verify(r, v3Headers, func(dst []byte, base, nonce string) ([]byte, error) {
		return appendV3Message(dst, r.Method, base, query, r.Params, nonce)
	})
}

// SignPlivoV3 returns the X-Plivo-Signature-V3 value that Plivo sends for a
// request to rawURL (with its query string) with the given body parameters
// (nil for a GET) and nonce. It is what a test, or a client simulating
// Plivo, needs; receivers use [PlivoV3].
func SignPlivoV3(token, method, rawURL string, params url.Values, nonce string) (string, error) {
	base, query, err := splitURL(rawURL)
	if err != nil {
		return "", err
	}
	msg, err := appendV3Message(nil, method, base, query, params, nonce)
	if err != nil {
		return "", err
	}
	return sign(sha256.New, token, msg), nil
}

// appendV3Message appends the string V3 signs, base + "." + nonce, to dst:
//
//	GET:  url ["?" k=v&k=v...]            query and params merged, sorted
//	POST: url                             no query, no params
//	      url "?" k=v&...                 query, no params
//	      url "?" kvkv...                 params, no query
//	      url "?" k=v&... "." kvkv...     both
func appendV3Message(dst []byte, method, base, query string, params url.Values, nonce string) ([]byte, error) {
	q, err := appendQueryPairs(nil, query)
	if err != nil {
		return nil, err
	}
	var p []param
	for k, vs := range params {
		for _, v := range vs {
			p = append(p, param{k, v})
		}
	}
	dst = append(dst, base...)
	switch method {
	case "GET":
		q = append(q, p...)
		slices.SortFunc(q, comparePairs)
		if len(q) > 0 {
			dst = append(dst, '?')
			dst = appendJoined(dst, q)
		}
	case "POST":
		slices.SortFunc(q, comparePairs)
		slices.SortFunc(p, comparePairs)
		if len(q) > 0 || len(p) > 0 {
			dst = append(dst, '?')
		}
		dst = appendJoined(dst, q)
		if len(q) > 0 && len(p) > 0 {
			dst = append(dst, '.')
		}
		for _, kv := range p {
			dst = append(dst, kv.key...)
			dst = append(dst, kv.value...)
		}
	default:
		return nil, fmt.Errorf("%w: Plivo signs GET and POST only", ErrMismatch)
	}
	dst = append(dst, '.')
	return append(dst, nonce...), nil
}

// appendJoined appends pairs as k=v joined by '&', with nothing re-encoded.
func appendJoined(dst []byte, pairs []param) []byte {
	for i, kv := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, kv.key...)
		dst = append(dst, '=')
		dst = append(dst, kv.value...)
	}
	return dst
}
