package security

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Twilio's signature header; SignalWire's compatibility API sends it too, or
// [HeaderSignalWire].
const (
	HeaderTwilio     = "X-Twilio-Signature"
	HeaderSignalWire = "X-SignalWire-Signature"
)

// Twilio verifies X-Twilio-Signature: HMAC-SHA1 of the full URL (query
// included, as sent) followed by the form parameters, sorted by key, as
// key+value; a repeated key's values are de-duplicated and sorted, as
// twilio-node 6 does.
//
// A JSON body is covered only through the bodySHA256 parameter Twilio adds
// to the URL, to which the body must hash; without it, [ErrUnsignedBody].
// The URL with and without the default port are both tried. There is no
// nonce or timestamp: a replay cannot be told from a retry. It is safe for
// concurrent use.
type Twilio struct{ twilioScheme }

// SignalWire verifies X-SignalWire-Signature (or X-Twilio-Signature, which
// its compatibility API also sends) with the project's signing key. The
// algorithm is Twilio's, except that a repeated key's values are kept in
// request order, as SignalWire's SDK does.
type SignalWire struct{ twilioScheme }

// NewTwilio returns a verifier of signatures made with any of authTokens.
func NewTwilio(authTokens ...string) (*Twilio, error) {
	s, err := newTwilioScheme(authTokens, false, HeaderTwilio)
	return &Twilio{s}, err
}

// NewSignalWire returns a verifier of signatures made with any of signingKeys.
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

// BodySHA256 is the bodySHA256 parameter Twilio adds to a JSON body's URL.
func BodySHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// signTwilioLike signs as Twilio does, or as SignalWire does (keepOrder).
// It refuses a query the verifier cannot decode (it looks for bodySHA256).
func signTwilioLike(key, rawURL string, params url.Values, keepOrder bool) (string, error) {
	u, err := parseURL(withoutFragment(rawURL))
	if err != nil {
		return "", err
	}
	return sign(sha1.New, key, twilioMessage(u.parts, params, keepOrder)), nil
}

// twilioScheme is what Twilio and SignalWire share: all but the order of a
// repeated key's values.
type twilioScheme struct {
	keys      keys     // one per secret
	keepOrder bool     // a repeated key's values in request order (SignalWire)
	headers   []string // the signature headers read, canonical
}

func newTwilioScheme(secrets []string, keepOrder bool, headers ...string) (twilioScheme, error) {
	s := twilioScheme{keys: newKeys(sha1.New, secrets), keepOrder: keepOrder}
	for _, h := range headers {
		s.headers = append(s.headers, http.CanonicalHeaderKey(h))
	}
	if len(s.keys) == 0 {
		return s, fmt.Errorf("%w: give at least one secret", ErrNoToken)
	}
	return s, nil
}

// read returns the decoded signatures of h's signature headers.
func (t twilioScheme) read(h http.Header) ([][]byte, error) {
	sigs, n := signatures(h, t.headers...)
	if n == 0 {
		return nil, fmt.Errorf("%w: expected %s", ErrNoSignature, strings.Join(t.headers, " or "))
	}
	return sigs, nil
}

// CheckHeaders reports whether h holds a signature.
func (t twilioScheme) CheckHeaders(h http.Header) error {
	_, err := t.read(h)
	return err
}

// Verify checks r's signature and returns the signed string that matched:
// the URL, then the sorted form parameters.
func (t twilioScheme) Verify(r *Request) (Signed, error) {
	sigs, err := t.read(r.Header)
	if err != nil {
		return nil, err
	}
	u, err := r.url()
	if err != nil {
		return nil, err
	}
	params := r.Params
	if claimed, ok := u.query["bodySHA256"]; ok {
		// The URL is signed, and the body must hash to what the URL claims.
		if !hmac.Equal([]byte(BodySHA256(r.Body)), []byte(strings.ToLower(claimed[0]))) {
			return nil, fmt.Errorf("%w: the body does not hash to the URL's bodySHA256", ErrMismatch)
		}
		params = nil
	} else if len(r.Body) > 0 && !isForm(r.Header) {
		return nil, fmt.Errorf("%w: a JSON body is signed only through bodySHA256 in the URL, and this URL has none", ErrUnsignedBody)
	}
	msg := twilioMessage(u.parts, params, t.keepOrder)
	signed, ok := firstMatch(u.parts, msg, func(base, rest []byte) bool { return t.keys.match(sigs, base, rest) })
	if !ok {
		return nil, fmt.Errorf("%w: none of %d signature(s) matched; check the secret and that the URL rebuilt (%s) is the one the provider requested",
			ErrMismatch, len(sigs), u.parts.Base())
	}
	return signed, nil
}

// twilioMessage returns the string Twilio signs: u's base, its query
// exactly as written (with its '?'), then the parameters sorted by key as
// key+value. A repeated key's values are de-duplicated and sorted (Twilio),
// or kept in request order (keepOrder, SignalWire).
func twilioMessage(u URLParts, params url.Values, keepOrder bool) []byte {
	keys, size := sortedKeys(params)
	base := u.Base()
	msg := make([]byte, 0, len(base)+len(u.RawQuery)+1+size)
	msg = append(msg, base...)
	if u.HasQuery {
		msg = append(append(msg, '?'), u.RawQuery...)
	}
	for _, key := range keys {
		values := params[key]
		if !keepOrder && len(values) > 1 {
			values = slices.Compact(sortedValues(values))
		}
		for _, value := range values {
			msg = append(append(msg, key...), value...)
		}
	}
	return msg
}

// isForm reports whether h's Content-Type is a form.
func isForm(h http.Header) bool {
	return MediaType(h.Get("Content-Type")) == "application/x-www-form-urlencoded"
}
