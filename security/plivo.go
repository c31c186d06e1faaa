package security

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Headers of Plivo's V3 signature, sent on voice callbacks (answer_url,
// hangup_url, action_url, callback_url).
const (
	HeaderPlivoV3      = "X-Plivo-Signature-V3"
	HeaderPlivoMainV3  = "X-Plivo-Signature-Ma-V3"
	HeaderPlivoV3Nonce = "X-Plivo-Signature-V3-Nonce"
)

// Headers of Plivo's V2 signature, sent on message callbacks (message_url
// and the message status url).
const (
	HeaderPlivoV2      = "X-Plivo-Signature-V2"
	HeaderPlivoMainV2  = "X-Plivo-Signature-Ma-V2"
	HeaderPlivoV2Nonce = "X-Plivo-Signature-V2-Nonce"
)

// PlivoTokens are the secrets a Plivo verifier accepts; a signature made with
// any of them verifies, so that a token can be rotated without downtime.
type PlivoTokens struct {
	// AuthTokens verify X-Plivo-Signature-V3 and -V2: the auth token of the
	// account or subaccount that owns the application or number.
	AuthTokens []string
	// MainAccountTokens verify X-Plivo-Signature-Ma-V3 and -Ma-V2, which
	// Plivo always signs with the main account's token. Optional.
	MainAccountTokens []string
}

// PlivoV3 verifies X-Plivo-Signature-V3 and X-Plivo-Signature-Ma-V3. It
// covers the URL with its query string, the body parameters and the nonce;
// the method only decides how they are laid out (a GET's and a POST's with
// the same query and no body sign the same string). It is safe for
// concurrent use.
type PlivoV3 struct{ plivoScheme }

// NewPlivoV3 returns a V3 verifier that accepts signatures made with any of
// the given tokens. It fails with [ErrNoToken] when there is none.
func NewPlivoV3(t PlivoTokens) (*PlivoV3, error) {
	s, err := newPlivoScheme(t, HeaderPlivoV3, HeaderPlivoMainV3, HeaderPlivoV3Nonce)
	return &PlivoV3{s}, err
}

// Verify checks the V3 signatures of r: a header may hold several,
// comma-separated, and one match is enough. It returns the signed string
// that matched: the URL, the sorted parameters, then the nonce.
func (v *PlivoV3) Verify(r *Request) (Signed, error) {
	h, err := v.read(r.Header)
	if err != nil {
		return nil, err
	}
	u, err := r.url()
	if err != nil {
		return nil, err
	}
	msg, err := v3Message(r.Method, u.parts.Base(), u.query, r.Params, h.nonce)
	if err != nil {
		return nil, err
	}
	return v.match(h, u.parts, msg)
}

// SignPlivoV3 returns the X-Plivo-Signature-V3 that Plivo sends for a request
// to rawURL (with its query) with the body parameters (nil for a GET) and
// nonce: for tests and clients that imitate Plivo.
func SignPlivoV3(token, method, rawURL string, params url.Values, nonce string) (string, error) {
	u, err := parseURL(withoutFragment(rawURL))
	if err != nil {
		return "", err
	}
	msg, err := v3Message(method, u.parts.Base(), u.query, params, nonce)
	if err != nil {
		return "", err
	}
	return sign(sha256.New, token, msg), nil
}

// v3Message returns the string V3 signs, base + "?" + parameters + "." + nonce,
// where base is the URL without its query. Keys are sorted, and a repeated
// key's values too; nothing is re-encoded.
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
		return nil, fmt.Errorf("%w: Plivo signs GET and POST only, not %.16q", ErrMismatch, method)
	}
	queryKeys, querySize := sortedKeys(query)
	paramKeys, paramSize := sortedKeys(params)
	msg := make([]byte, 0, len(base)+querySize+paramSize+len(nonce)+2)
	msg = append(msg, base...)
	if len(query) > 0 || len(params) > 0 {
		msg = append(msg, '?')
	}
	msg = appendPairs(msg, query, queryKeys, "=", "&")
	if len(query) > 0 && len(params) > 0 {
		msg = append(msg, '.')
	}
	msg = appendPairs(msg, params, paramKeys, "", "")
	return append(append(msg, '.'), nonce...), nil
}

// appendPairs appends v's pairs to msg in the order of keys, and a repeated
// key's values sorted, each as key, eq, value, with sep between pairs.
func appendPairs(msg []byte, v url.Values, keys []string, eq, sep string) []byte {
	n := 0
	for _, key := range keys {
		for _, value := range sortedValues(v[key]) {
			if n++; n > 1 {
				msg = append(msg, sep...)
			}
			msg = append(append(append(msg, key...), eq...), value...)
		}
	}
	return msg
}

// PlivoV2 verifies X-Plivo-Signature-V2 and X-Plivo-Signature-Ma-V2, which
// cover only the URL without its query, and the nonce: anyone holding one
// (nonce, signature) pair can send any body to that URL, so pair it with a
// replay guard. It is safe for concurrent use.
type PlivoV2 struct{ plivoScheme }

// NewPlivoV2 returns a V2 verifier that accepts signatures made with any of
// the given tokens. It fails with [ErrNoToken] when there is none.
func NewPlivoV2(t PlivoTokens) (*PlivoV2, error) {
	s, err := newPlivoScheme(t, HeaderPlivoV2, HeaderPlivoMainV2, HeaderPlivoV2Nonce)
	return &PlivoV2{s}, err
}

// Verify checks the V2 signatures of r and returns the signed string that
// matched: the URL without its query, then the nonce.
func (v *PlivoV2) Verify(r *Request) (Signed, error) {
	h, err := v.read(r.Header)
	if err != nil {
		return nil, err
	}
	u, err := r.url()
	if err != nil {
		return nil, err
	}
	return v.match(h, u.parts, []byte(u.parts.Base()+h.nonce))
}

// SignPlivoV2 returns the X-Plivo-Signature-V2 value that Plivo sends for a
// request to rawURL with the given nonce: the URL without its query string,
// then the nonce, with no separator.
func SignPlivoV2(token, rawURL, nonce string) (string, error) {
	u, err := SplitURL(withoutFragment(rawURL))
	if err != nil {
		return "", err
	}
	return sign(sha256.New, token, []byte(u.Base()+nonce)), nil
}

// plivoScheme is what V3 and V2 share: three headers and two sets of tokens.
type plivoScheme struct {
	signature, mainSignature, nonce string // header names, canonical
	account, main                   keys   // one per token
}

func newPlivoScheme(t PlivoTokens, signature, mainSignature, nonce string) (plivoScheme, error) {
	p := plivoScheme{signature: signature, mainSignature: mainSignature, nonce: nonce,
		account: newKeys(sha256.New, t.AuthTokens), main: newKeys(sha256.New, t.MainAccountTokens)}
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
	account, n1 := signatures(h, p.signature)
	main, n2 := signatures(h, p.mainSignature)
	ph := plivoHeaders{account: account, main: main, count: n1 + n2, nonce: h.Get(p.nonce)}
	switch {
	case ph.count == 0:
		return ph, fmt.Errorf("%w: expected %s or %s", ErrNoSignature, p.signature, p.mainSignature)
	case ph.nonce == "":
		return ph, fmt.Errorf("%w: %s is missing or empty", ErrNoNonce, p.nonce)
	case !validNonce(ph.nonce):
		return ph, fmt.Errorf("%w: %s must be 1 to %d ASCII letters and digits", ErrBadNonce, p.nonce, maxNonceLength)
	}
	return ph, nil
}

// CheckHeaders reports whether h holds a signature and a well-formed nonce.
func (p plivoScheme) CheckHeaders(h http.Header) error { _, err := p.read(h); return err }

// match checks the signatures in ph against msg, the signed string with
// u's base, the URL as rebuilt, at its start (and then with the base's
// equivalent spellings), and returns the string that matched.
func (p plivoScheme) match(ph plivoHeaders, u URLParts, msg []byte) (Signed, error) {
	signed, ok := firstMatch(u, msg, func(base, rest []byte) bool {
		account, main := p.account.match(ph.account, base, rest), p.main.match(ph.main, base, rest) // both: the same work either way
		return account || main
	})
	if !ok {
		return nil, fmt.Errorf("%w: none of %d signature(s) matched; check the auth token and that the URL rebuilt (%s) is the one Plivo requested",
			ErrMismatch, ph.count, u.Base())
	}
	return signed, nil
}

// maxNonceLength is the longest nonce accepted. Plivo's are 20 digits.
const maxNonceLength = 64

// validNonce reports whether nonce is a plain token, as Plivo sends: 1 to
// maxNonceLength ASCII letters and digits. It matters: Plivo signs URL +
// nonce (V2) and ... + "." + nonce (V3), so a nonce holding '/' or '.' would
// let the same signed string be cut into another request and nonce.
func validNonce(nonce string) bool {
	return nonce != "" && len(nonce) <= maxNonceLength && !strings.ContainsFunc(nonce, func(c rune) bool {
		return !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z')
	})
}
