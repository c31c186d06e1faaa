package security

import "net/http"

// Request is a webhook request as the provider signed it.
type Request struct {
	// Method is the HTTP method, "GET" or "POST".
	Method string
	// URL is the public URL the provider requested, with its query string
	// exactly as sent: https://abc.ngrok-free.app/speak/?a=b, not the address
	// the server listens on.
	URL string
	// Params are the body parameters of a POST, decoded and sorted (a form
	// body by [ParseForm], a JSON object by [ParseJSONParams], or
	// url.Values by [NewParams]). Parameters in the URL's query string
	// belong in URL, not here.
	Params Params
	// Header holds the request's headers; only the signature headers are read.
	Header http.Header
	// Body is the raw body, for schemes that hash it. It may be nil.
	Body []byte
}

// Verifier checks the signature on a webhook request. Verify returns nil when
// the request is authentic, or an error that wraps one of this package's
// sentinel errors and never contains a secret.
type Verifier interface {
	Verify(r *Request) error
}
