package security

import (
	"crypto/sha256"
	"fmt"
	"net/url"
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
type PlivoV3 struct{ plivoScheme }

// NewPlivoV3 returns a V3 verifier that accepts signatures made with any of
// the given tokens. It fails with [ErrNoToken] when there is none.
func NewPlivoV3(t PlivoTokens) (*PlivoV3, error) {
	s, err := newPlivoScheme(t, HeaderPlivoV3, HeaderPlivoMainV3, HeaderPlivoV3Nonce)
	return &PlivoV3{s}, err
}

// Verify checks the V3 signatures of r: a header may hold several,
// comma-separated, and one match is enough. It returns the digest of the
// signed string.
func (v *PlivoV3) Verify(r *Request) (Signed, error) {
	headers, err := v.read(r.Header)
	if err != nil {
		return Signed{}, err
	}
	base, _, err := splitURL(r.URL)
	if err != nil {
		return Signed{}, err
	}
	query, err := r.query()
	if err != nil {
		return Signed{}, err
	}
	msg, err := v3Message(r.Method, base, query, r.Params, headers.nonce)
	if err != nil {
		return Signed{}, err
	}
	return v.verify(headers, base, msg)
}

// SignPlivoV3 returns the X-Plivo-Signature-V3 value that Plivo sends for a
// request to rawURL (with its query string) with the given body parameters
// (nil for a GET) and nonce. It is what a test, or a client simulating
// Plivo, needs; receivers use [PlivoV3].
func SignPlivoV3(token, method, rawURL string, params url.Values, nonce string) (string, error) {
	base, rawQuery, err := splitURL(rawURL)
	if err != nil {
		return "", err
	}
	query, err := ParseQuery(rawQuery)
	if err != nil {
		return "", err
	}
	msg, err := v3Message(method, base, query, params, nonce)
	if err != nil {
		return "", err
	}
	return sign(sha256.New, token, msg), nil
}

// v3Message returns the string V3 signs, base + "?" + parameters + "." + nonce,
// where base is the URL without its query. Keys are sorted, and a repeated
// key's values too; nothing is re-encoded. (A key with no values counts as
// absent; the parsers never make one.)
//
//	GET:  base ["?" k=v&k=v...]            the query and any params, merged
//	POST: base                             no query, no body params
//	      base "?" k=v&k=v...              a query, no body params
//	      base "?" kvkv...                 body params, no query
//	      base "?" k=v&k=v... "." kvkv...  both
func v3Message(method, base string, query, params url.Values, nonce string) ([]byte, error) {
	if method == "GET" {
		query, params = merged(query, params), nil
	} else if method != "POST" {
		return nil, fmt.Errorf("%w: Plivo signs GET and POST only, not %q", ErrMismatch, clip(method, 16))
	}
	keys, querySize := appendSortedKeys(make([]string, 0, len(query)+len(params)), query)
	keys, paramSize := appendSortedKeys(keys, params)
	queryKeys, paramKeys := keys[:len(query)], keys[len(query):]
	msg := make([]byte, 0, len(base)+querySize+paramSize+len(nonce)+3)
	msg = append(msg, base...)
	if len(query) > 0 || len(params) > 0 {
		msg = append(msg, '?')
	}
	for i, key := range queryKeys { // k=v&k=v
		for j, value := range sortedValues(query[key]) {
			if i > 0 || j > 0 {
				msg = append(msg, '&')
			}
			msg = append(append(append(msg, key...), '='), value...)
		}
	}
	if len(query) > 0 && len(params) > 0 {
		msg = append(msg, '.')
	}
	for _, key := range paramKeys { // kvkv
		for _, value := range sortedValues(params[key]) {
			msg = append(append(msg, key...), value...)
		}
	}
	msg = append(msg, '.')
	return append(msg, nonce...), nil
}
