package security

import (
	"crypto/sha256"
	"net/http"
	"net/url"
)

// Request is a webhook request as the provider signed it.
type Request struct {
	// Method is the HTTP method, "GET" or "POST".
	Method string
	// URL is the public URL the provider requested (not the address the
	// server listens on), with its query string exactly as sent.
	URL string
	// Query is URL's query decoded by [ParseQuery]; nil: the verifiers
	// decode it. A server that has decoded it sets it, to parse once.
	Query url.Values
	// Params are the parameters of a POST body: a form decoded by
	// [ParseQuery], or a JSON object by [ParseJSONParams]. Nil for a GET.
	Params url.Values
	// Header holds the request's headers; the signature headers are read,
	// and Content-Type for the schemes that hash a raw body.
	Header http.Header
	// Body is the raw body, for the schemes that hash it. It may be nil.
	Body []byte
}

// Verifier checks the signature on a webhook request.
type Verifier interface {
	// CheckHeaders reports whether the signature headers (and nonce) are
	// present and well formed: a server calls it before reading the body.
	CheckHeaders(h http.Header) error
	// Verify returns the string that a matching signature covers, or an
	// error wrapping a sentinel error (never containing a secret).
	Verify(r *Request) (Signed, error)
}

// Signed is the exact string a provider signed, as a verifier rebuilt it
// from the request.
type Signed []byte

// Digest returns the SHA-256 of the signed string: the same for the same
// signed content however it was cut into URL, parameters and nonce, so a
// replay guard keys on it rather than on the nonce.
func (s Signed) Digest() [sha256.Size]byte { return sha256.Sum256(s) }

// Form returns the query's parameters and the body's together (Query must
// be set), the way a handler wants them whatever the method.
func (r *Request) Form() url.Values { return merged(r.Query, r.Params) }

// split returns what every scheme starts from: the part of r.URL that all of
// them sign (see splitURL) and r's decoded query string.
func (r *Request) split() (base string, query url.Values, err error) {
	base, rawQuery, err := splitURL(r.URL)
	if err != nil || r.Query != nil {
		return base, r.Query, err
	}
	query, err = ParseQuery(rawQuery)
	return base, query, err
}
