package security

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// DefaultMaxBodyBytes bounds a webhook body when [MiddlewareConfig] sets no
// limit. Plivo's callbacks are a few KiB.
const DefaultMaxBodyBytes = 64 << 10

// MiddlewareConfig configures [Middleware].
type MiddlewareConfig struct {
	// PublicURL rebuilds the URL the provider signed.
	PublicURL PublicURL
	// MaxBodyBytes bounds the body; a larger one gets 413. Zero means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// RawJSON leaves a JSON body unparsed (only checked to be JSON): for
	// Twilio and SignalWire, whose signatures cover a JSON body through the
	// bodySHA256 URL parameter rather than through its parameters.
	RawJSON bool
	// OnReject, when set, is called for every request that fails
	// verification, before the 403 is written; use it to log. Nothing in a
	// Rejection is secret except the request's own headers.
	OnReject func(c *gin.Context, rej Rejection)
}

// Rejection describes a request that failed verification.
type Rejection struct {
	Request *Request    // as verified; Header holds the signatures
	URL     ResolvedURL // the rebuilt URL and where its parts came from
	Err     error       // why; never holds a secret
	// Diagnosis is set for a signature mismatch: the usual suspects, tried.
	Diagnosis *Diagnosis
}

const requestKey = "answerurl/security.Request"

// Middleware returns a Gin handler that verifies each request with v before
// the route's handler runs. It reads the body once (bounded), parses it as a
// form or a JSON object, rebuilds the public URL and calls v.Verify. A
// request that fails verification is answered 403 with a short plain-text
// reason, and no handler after this one runs. A verified request continues
// with its body restored and its parsed [Request] available through
// [RequestFrom].
//
// Other answers: 405 for a method other than GET and POST, 413 for a body over
// the limit, 415 for a body that is neither a form nor JSON, 400 for a
// malformed form, JSON body or query string.
func Middleware(v Verifier, cfg MiddlewareConfig) gin.HandlerFunc {
	limit := cfg.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	return func(c *gin.Context) {
		req, resolved, status, err := readRequest(c, cfg, limit)
		if err == nil {
			if err = v.Verify(req); err != nil {
				status = statusFor(err)
			}
		}
		if err != nil {
			if status == http.StatusForbidden && cfg.OnReject != nil {
				rej := Rejection{Request: req, URL: resolved, Err: err}
				if errors.Is(err, ErrMismatch) {
					d := Diagnose(v, req, c.Request, resolved)
					rej.Diagnosis = &d
				}
				cfg.OnReject(c, rej)
			}
			c.Header("Cache-Control", "no-store")
			c.AbortWithStatus(status)
			c.Writer.Header().Set("Content-Type", "text/plain; charset=utf-8")
			c.Writer.WriteString(reason(status, err) + "\n")
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(req.Body))
		c.Set(requestKey, req)
		c.Next()
	}
}

// RequestFrom returns the verified request that [Middleware] stored, or nil
// when the middleware did not run or rejected the request.
func RequestFrom(c *gin.Context) *Request {
	r, _ := c.Get(requestKey)
	req, _ := r.(*Request)
	return req
}

// Form returns the query string's parameters merged with the body's, the
// way a handler wants them whatever the method.
func (r *Request) Form() (url.Values, error) {
	_, query, err := splitURL(r.URL)
	if err != nil {
		return nil, err
	}
	form, err := ParseQuery(query)
	if err != nil {
		return nil, err
	}
	for _, kv := range r.Params {
		form[kv.Key] = append(form[kv.Key], kv.Value)
	}
	return form, nil
}

// readRequest gathers a Request from c. On failure it returns the status to
// answer and the error.
func readRequest(c *gin.Context, cfg MiddlewareConfig, limit int64) (*Request, ResolvedURL, int, error) {
	hr := c.Request
	if hr.Method != http.MethodGet && hr.Method != http.MethodPost {
		return nil, ResolvedURL{}, http.StatusMethodNotAllowed, errMethod
	}
	resolved := cfg.PublicURL.Resolve(hr)
	req := &Request{Method: hr.Method, URL: resolved.URL, Header: hr.Header}
	if _, err := appendQueryPairs(nil, hr.URL.RawQuery); err != nil {
		return nil, resolved, http.StatusBadRequest, err
	}
	if hr.Method == http.MethodGet {
		return req, resolved, 0, nil
	}
	if hr.ContentLength > limit {
		return nil, resolved, http.StatusRequestEntityTooLarge, errTooLarge
	}
	body, err := readBody(http.MaxBytesReader(c.Writer, hr.Body, limit), hr.ContentLength)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, resolved, http.StatusRequestEntityTooLarge, errTooLarge
		}
		return nil, resolved, http.StatusBadRequest, errUnreadable
	}
	req.Body = body
	if len(body) == 0 {
		return req, resolved, 0, nil
	}
	mediaType, _, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	switch mediaType {
	case "application/x-www-form-urlencoded":
		req.Params, err = ParseForm(string(body))
	case "application/json":
		if cfg.RawJSON {
			if !json.Valid(body) {
				err = fmt.Errorf("%w: body is not valid JSON", ErrMalformedParams)
			}
			break
		}
		req.Params, err = ParseJSONParams(body)
	default:
		return nil, resolved, http.StatusUnsupportedMediaType, errMediaType
	}
	if err != nil {
		return nil, resolved, http.StatusBadRequest, err
	}
	return req, resolved, 0, nil
}

// readBody reads a body in one allocation when its length is known.
func readBody(r io.Reader, length int64) ([]byte, error) {
	if length <= 0 {
		return io.ReadAll(r)
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return body, nil
}

var (
	errMethod     = errors.New("method not allowed: use GET or POST")
	errTooLarge   = errors.New("request body too large")
	errUnreadable = errors.New("request body could not be read")
	errMediaType  = errors.New("unsupported content type: send application/x-www-form-urlencoded or application/json")
)

// statusFor maps a verification error to its HTTP status.
func statusFor(err error) int {
	if errors.Is(err, ErrMalformedParams) || errors.Is(err, ErrBadURL) {
		return http.StatusBadRequest
	}
	return http.StatusForbidden
}

// reason is the short plain-text body of a rejection: the sentinel's text,
// not the detailed error, which belongs in the server's log.
func reason(status int, err error) string {
	for _, s := range []error{ErrNoSignature, ErrNoNonce, ErrMismatch, ErrMalformedParams, ErrBadURL} {
		if errors.Is(err, s) {
			return strings.ToLower(http.StatusText(status)) + ": " + s.Error()
		}
	}
	return strings.ToLower(http.StatusText(status)) + ": " + err.Error()
}

// LogReject returns an OnReject hook that logs each rejection as one line at
// warn level: route, method, the rebuilt URL and where its parts came from,
// the parameter keys (not values), which signature headers were present, the
// reason and, for a mismatch, the hint. Never a token, a signature or a nonce.
func LogReject(log *slog.Logger) func(*gin.Context, Rejection) {
	return func(c *gin.Context, rej Rejection) {
		attrs := []any{
			"route", c.FullPath(), "method", c.Request.Method,
			"url", rej.URL.URL, "scheme_from", rej.URL.SchemeFrom, "host_from", rej.URL.HostFrom,
			"peer", rej.URL.Peer, "trusted_peer", rej.URL.TrustedPeer,
			"param_keys", paramKeys(rej.Request), "signature_headers", signatureHeaders(c.Request.Header),
			"reason", rej.Err.Error(),
		}
		if d := rej.Diagnosis; d != nil {
			attrs = append(attrs, "would_verify", d.WouldVerify, "hint", d.Hint)
		}
		log.Warn("signature rejected", attrs...)
	}
}

// paramKeys lists the sorted keys of the query and body, at most 50.
func paramKeys(r *Request) string {
	if r == nil {
		return ""
	}
	form, err := r.Form()
	if err != nil {
		return ""
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > 50 {
		keys = append(keys[:50], "…")
	}
	return strings.Join(keys, ",")
}

// signatureHeaders names the signature and nonce headers present; never their values.
func signatureHeaders(h http.Header) string {
	var names []string
	for _, n := range []string{HeaderPlivoV3, HeaderPlivoMainV3, HeaderPlivoV3Nonce, HeaderPlivoV2, HeaderPlivoMainV2,
		HeaderPlivoV2Nonce, HeaderTwilio, HeaderSignalWire} {
		if len(h.Values(n)) > 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, ",")
}
