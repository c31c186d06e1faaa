package security

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// HeaderTwilio is Twilio's signature header; SignalWire's compatibility API
// sends it too, or [HeaderSignalWire].
const (
	HeaderTwilio     = "X-Twilio-Signature"
	HeaderSignalWire = "X-SignalWire-Signature"
)

// Twilio verifies X-Twilio-Signature: HMAC-SHA1 of the full URL (query
// included, as sent) followed by the form parameters, sorted by key, as
// key+value; a repeated key's values are de-duplicated and sorted, as
// twilio-node 6 does. A JSON body is covered through the bodySHA256
// parameter that Twilio adds to the URL: the signature then covers the URL
// only, and the body must hash to that parameter.
//
// The URL with the default port written and without it are both tried.
// Twilio signatures carry no nonce and no timestamp, so a replay guard
// cannot tell a retry from a replay. It is safe for concurrent use.
type Twilio struct{ twilioScheme }

// SignalWire verifies X-SignalWire-Signature (or X-Twilio-Signature, which
// its compatibility API also sends) with the project's signing key. The
// algorithm is Twilio's, except that a repeated key's values are kept in
// request order, as SignalWire's SDK does.
type SignalWire struct{ twilioScheme }

// NewTwilio returns a verifier that accepts signatures made with any of the
// given auth tokens.
func NewTwilio(authTokens ...string) (*Twilio, error) {
	s, err := newTwilioScheme(authTokens, false, HeaderTwilio)
	return &Twilio{s}, err
}

// NewSignalWire returns a verifier that accepts signatures made with any of
// the given signing keys.
func NewSignalWire(signingKeys ...string) (*SignalWire, error) {
	s, err := newTwilioScheme(signingKeys, true, HeaderSignalWire, HeaderTwilio)
	return &SignalWire{s}, err
}

// SignTwilio returns the X-Twilio-Signature that Twilio sends for a request to
// rawURL with the given form parameters (nil for a GET or a JSON body, whose
// URL carries bodySHA256; see [BodySHA256]).
func SignTwilio(token, rawURL string, params url.Values) (string, error) {
	return signTwilioLike(token, rawURL, params, false)
}

// SignSignalWire returns the X-SignalWire-Signature that SignalWire sends.
func SignSignalWire(signingKey, rawURL string, params url.Values) (string, error) {
	return signTwilioLike(signingKey, rawURL, params, true)
}

// BodySHA256 is the value of the bodySHA256 parameter that Twilio and
// SignalWire add to the URL of a request with a JSON body.
func BodySHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

func signTwilioLike(token, rawURL string, params url.Values, keepOrder bool) (string, error) {
	if _, _, err := splitURL(rawURL); err != nil {
		return "", err
	}
	msg, _ := appendTwilioMessage(nil, nil, stripFragment(rawURL), NewParams(params), keepOrder)
	return sign(sha1.New, token, msg), nil
}

type twilioScheme struct {
	ring      *keyring
	keepOrder bool
	headers   []string // canonical names
}

func newTwilioScheme(secrets []string, keepOrder bool, headers ...string) (twilioScheme, error) {
	s := twilioScheme{ring: newKeyring(sha1.New, secrets), keepOrder: keepOrder}
	for _, h := range headers {
		s.headers = append(s.headers, canonical(h))
	}
	if len(s.ring.secrets) == 0 {
		return s, fmt.Errorf("%w: give at least one secret", ErrNoToken)
	}
	return s, nil
}

// Verify reports whether the request's signature matches.
func (t twilioScheme) Verify(r *Request) error {
	signed := 0
	for _, h := range t.headers {
		signed += countSignatures(r.Header[h])
	}
	if signed == 0 {
		return fmt.Errorf("%w: expected %s", ErrNoSignature, strings.Join(t.headers, " or "))
	}
	raw := stripFragment(r.URL)
	base, query, err := splitURL(raw)
	if err != nil {
		return err
	}
	rest := "" // the query exactly as sent, with its '?'
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		rest = raw[i:]
	}
	params := r.Params
	if hash, ok := bodyHashParam(query); ok {
		// A JSON body: the URL is signed, and the body must hash to the URL's claim.
		if !hmac.Equal([]byte(BodySHA256(r.Body)), []byte(strings.ToLower(hash))) {
			return fmt.Errorf("%w: the body does not hash to the URL's bodySHA256", ErrMismatch)
		}
		params = nil
	}
	s := t.ring.get()
	defer t.ring.put(s)
	try := func(b string) bool {
		s.msg, s.pairs = appendTwilioMessage(append(s.msg[:0], b...), s.pairs[:0], rest, params, t.keepOrder)
		for _, h := range t.headers {
			if s.matches(r.Header[h], 0, len(t.ring.secrets)) {
				return true
			}
		}
		return false
	}
	if try(base) {
		return nil
	}
	for _, b := range equivalentBases(base)[1:] {
		if try(b) {
			return nil
		}
	}
	return fmt.Errorf("%w: none of %d signature(s) matched; check the secret and that the URL rebuilt (%s) is the one the provider requested",
		ErrMismatch, signed, base)
}

// bodyHashParam returns the bodySHA256 parameter of a raw query string.
func bodyHashParam(query string) (string, bool) {
	if !strings.Contains(query, "bodySHA256") {
		return "", false
	}
	v, err := ParseQuery(query)
	if err != nil || len(v["bodySHA256"]) == 0 {
		return "", false
	}
	return v["bodySHA256"][0], true
}

// appendTwilioMessage appends u and then the parameters, sorted by key, as
// key+value, to dst; pairs is scratch space. A repeated key's values are
// de-duplicated and sorted (Twilio), or kept in request order (keepOrder,
// SignalWire).
func appendTwilioMessage(dst []byte, pairs []Param, u string, params Params, keepOrder bool) ([]byte, []Param) {
	dst = append(dst, u...)
	switch {
	case keepOrder && !slices.IsSortedFunc(params, compareKeys):
		pairs = append(pairs, params...)
		slices.SortStableFunc(pairs, compareKeys)
		params = pairs
	case !keepOrder && !isStrictlySorted(params):
		pairs = append(pairs, params...)
		slices.SortFunc(pairs, comparePairs)
		params = slices.Compact(pairs)
	}
	for _, kv := range params {
		dst = append(dst, kv.Key...)
		dst = append(dst, kv.Value...)
	}
	return dst, pairs
}

// isStrictlySorted reports whether p is sorted by key and value with no pair twice.
func isStrictlySorted(p Params) bool {
	for i := 1; i < len(p); i++ {
		if comparePairs(p[i-1], p[i]) >= 0 {
			return false
		}
	}
	return true
}

func stripFragment(u string) string {
	u, _, _ = strings.Cut(u, "#")
	return u
}
