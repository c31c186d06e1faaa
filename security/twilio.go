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
	return sign(sha1.New, token, appendTwilioMessage(nil, stripFragment(rawURL), params, keepOrder)), nil
}

type twilioScheme struct {
	keys      []*macKey
	keepOrder bool
	headers   []string
}

func newTwilioScheme(secrets []string, keepOrder bool, headers ...string) (twilioScheme, error) {
	s := twilioScheme{keys: newMACKeys(sha1.New, secrets), keepOrder: keepOrder, headers: headers}
	if len(s.keys) == 0 {
		return s, fmt.Errorf("%w: give at least one secret", ErrNoToken)
	}
	return s, nil
}

// Verify reports whether the request's signature matches.
func (s twilioScheme) Verify(r *Request) error {
	var sigs signatures
	for _, h := range s.headers {
		sigs = append(sigs, headerSignatures(r.Header, h)...)
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: expected %s", ErrNoSignature, strings.Join(s.headers, " or "))
	}
	raw := stripFragment(r.URL)
	base, query, err := splitURL(raw)
	if err != nil {
		return err
	}
	rest := raw[strings.IndexByte(raw, '?')+1:]
	if !strings.Contains(raw, "?") {
		rest = ""
	}
	params := r.Params
	if hash, ok := bodyHashParam(query); ok {
		// A JSON body: the URL is signed, and the body must hash to the URL's claim.
		if !hmac.Equal([]byte(BodySHA256(r.Body)), []byte(strings.ToLower(hash))) {
			return fmt.Errorf("%w: the body does not hash to the URL's bodySHA256", ErrMismatch)
		}
		params = nil
	}
	var buf []byte
	for _, b := range equivalentBases(base) {
		u := b
		if strings.Contains(raw, "?") {
			u = b + "?" + rest
		}
		buf = appendTwilioMessage(buf[:0], u, params, s.keepOrder)
		if sigs.match(s.keys, buf) {
			return nil
		}
	}
	return fmt.Errorf("%w: none of %d signature(s) matched; check the secret and that the URL rebuilt (%s) is the one the provider requested", ErrMismatch, len(sigs), base)
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

// appendTwilioMessage appends u and the sorted key+value pairs to dst.
func appendTwilioMessage(dst []byte, u string, params url.Values, keepOrder bool) []byte {
	dst = append(dst, u...)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vs := params[k]
		if !keepOrder && len(vs) > 1 {
			vs = slices.Compact(slices.Sorted(slices.Values(vs)))
		}
		for _, v := range vs {
			dst = append(dst, k...)
			dst = append(dst, v...)
		}
	}
	return dst
}

func stripFragment(u string) string {
	u, _, _ = strings.Cut(u, "#")
	return u
}
