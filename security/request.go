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
	// Params are the parameters of a POST body: a form decoded by
	// [ParseQuery], or a JSON object by [ParseJSONParams]. Nil for a GET,
	// and for a JSON body the Twilio schemes cover through bodySHA256.
	Params url.Values
	// Header holds the request's headers; the signature headers are read,
	// and Content-Type for the schemes that hash a raw body.
	Header http.Header
	// Body is the raw body, for the schemes that hash it. It may be nil.
	Body []byte

	parsed *parsedURL // URL as NewRequest parsed it
}

// parsedURL is a URL split by SplitURL and its query decoded by ParseQuery.
type parsedURL struct {
	raw   string
	parts URLParts
	query url.Values
}

// NewRequest returns the request to verify for method and rawURL (the
// public URL, its query exactly as sent), with its query decoded once: the
// verifiers sign what this parse read, and [Request.Query] returns it. It
// fails, wrapping [ErrBadURL] or [ErrMalformedParams], when rawURL cannot
// be split or its query decoded.
func NewRequest(method, rawURL string, header http.Header) (*Request, error) {
	p, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return &Request{Method: method, URL: rawURL, Header: header, parsed: p}, nil
}

func parseURL(raw string) (*parsedURL, error) {
	parts, err := SplitURL(raw)
	if err != nil {
		return nil, err
	}
	query, err := ParseQuery(parts.RawQuery)
	if err != nil {
		return nil, err
	}
	return &parsedURL{raw: raw, parts: parts, query: query}, nil
}

// url returns r.URL parsed: by NewRequest, or afresh when r was built
// otherwise or its URL changed since.
func (r *Request) url() (*parsedURL, error) {
	if r.parsed != nil && r.parsed.raw == r.URL {
		return r.parsed, nil
	}
	return parseURL(r.URL)
}

// Query returns the parameters of URL's query string, from the same parse
// of the same string that the verifiers sign: a handler that reads them
// reads what was verified. The error is Verify's for the same URL.
func (r *Request) Query() (url.Values, error) {
	p, err := r.url()
	if err != nil {
		return nil, err
	}
	return p.query, nil
}

// Form returns the body's parameters and the query's together, in that
// order, as net/http's Request.Form has them: the way a handler wants them
// whatever the method. It is nil when URL cannot be parsed (which Verify
// refuses).
func (r *Request) Form() url.Values {
	query, err := r.Query()
	if err != nil {
		return nil
	}
	return merged(r.Params, query)
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
