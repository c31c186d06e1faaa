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
type PlivoV3 struct{ scheme *plivoScheme }

// NewPlivoV3 returns a V3 verifier that accepts signatures made with any of
// the given tokens. It fails with [ErrNoToken] when there is none.
func NewPlivoV3(t PlivoTokens) (*PlivoV3, error) {
	s, err := newPlivoScheme(t, HeaderPlivoV3, HeaderPlivoMainV3, HeaderPlivoV3Nonce, v3Message)
	if err != nil {
		return nil, err
	}
	return &PlivoV3{s}, nil
}

// Verify reports whether any signature in the V3 headers matches. A header
// may hold several comma-separated signatures; one match is enough.
func (v *PlivoV3) Verify(r *Request) error {
	if r.Method != "GET" && r.Method != "POST" {
		return fmt.Errorf("%w: Plivo signs GET and POST only, not %q", ErrMismatch, clip(r.Method, 16))
	}
	return v.scheme.verify(r)
}

func v3Message(s *scratch, r *Request, base, query, nonce string) error {
	var err error
	s.msg, s.pairs, err = appendV3Message(s.msg[:0], s.pairs[:0], r.Method, base, query, r.Params, nonce)
	return err
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
	msg, _, err := appendV3Message(nil, nil, method, base, query, NewParams(params), nonce)
	if err != nil {
		return "", err
	}
	return sign(sha256.New, token, msg), nil
}

// appendV3Message appends the string V3 signs, base + "." + nonce, to dst,
// using pairs as scratch space, and returns both:
//
//	GET:  url ["?" k=v&k=v...]            query and params merged, sorted
//	POST: url                             no query, no params
//	      url "?" k=v&...                 query, no params
//	      url "?" kvkv...                 params, no query
//	      url "?" k=v&... "." kvkv...     both
//
// Keys are sorted, and a repeated key's values too.
func appendV3Message(dst []byte, pairs []Param, method, base, query string, params Params, nonce string) ([]byte, []Param, error) {
	pairs, err := appendQueryPairs(pairs, query)
	if err != nil {
		return dst, pairs, err
	}
	dst = append(dst, base...)
	switch method {
	case "GET":
		pairs = append(pairs, params...)
		slices.SortFunc(pairs, comparePairs)
		if len(pairs) > 0 {
			dst = append(dst, '?')
			dst = appendJoined(dst, pairs)
		}
	case "POST":
		q := pairs
		slices.SortFunc(q, comparePairs)
		if !sortedPairs(params) { // a repeated key, or Params made by hand
			pairs = append(pairs, params...)
			params = pairs[len(q):]
			slices.SortFunc(params, comparePairs)
		}
		if len(q) > 0 || len(params) > 0 {
			dst = append(dst, '?')
		}
		dst = appendJoined(dst, q)
		if len(q) > 0 && len(params) > 0 {
			dst = append(dst, '.')
		}
		for _, kv := range params {
			dst = append(dst, kv.Key...)
			dst = append(dst, kv.Value...)
		}
	default:
		return dst, pairs, fmt.Errorf("%w: Plivo signs GET and POST only", ErrMismatch)
	}
	dst = append(dst, '.')
	return append(dst, nonce...), pairs, nil
}

// sortedPairs reports whether p is sorted by key, then value.
func sortedPairs(p []Param) bool {
	for i := 1; i < len(p); i++ {
		if a, b := p[i-1], p[i]; a.Key > b.Key || a.Key == b.Key && a.Value > b.Value {
			return false
		}
	}
	return true
}

// appendJoined appends pairs as k=v joined by '&', with nothing re-encoded.
func appendJoined(dst []byte, pairs []Param) []byte {
	for i, kv := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, kv.Key...)
		dst = append(dst, '=')
		dst = append(dst, kv.Value...)
	}
	return dst
}
