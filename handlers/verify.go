package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/publicurl"
	"answerurl/security"
)

// DefaultMaxBodyBytes bounds a webhook body when [Options] sets no limit.
// Plivo's callbacks are a few KiB.
const DefaultMaxBodyBytes = 64 << 10

// Callback is a verified webhook request, parsed once: the verifier, the
// replay guard and the handler all read the same values.
type Callback struct {
	// Request is what was verified: the public URL, the parsed query and
	// body parameters, the headers and the raw body.
	Request *security.Request
	// Form is the query's parameters and the body's together, the way a
	// handler wants them whatever the method.
	Form url.Values
	// Signed is what the provider signed.
	Signed security.Signed
	// Origin is the public URL of the server's root, as this request was
	// verified for: a path appended to it is a public URL of this server.
	Origin string
}

const callbackKey = "answerurl/handlers.Callback"

// CallbackFrom returns the verified callback of c, or nil when the request
// was not verified (the route has no verification, or it was refused).
func CallbackFrom(c *gin.Context) *Callback {
	cb, _ := c.Value(callbackKey).(*Callback)
	return cb
}

// verification is what every verified route shares: how to rebuild the
// public URL, how much body to read, and where to log refusals.
type verification struct {
	publicURL publicurl.PublicURL
	maxBody   int64
	log       *slog.Logger
	detailed  *rateLimit // detailed refusal lines, each with a diagnosis: a few a second at most
}

// plivo is the middleware of a Plivo route: a JSON body is read into
// parameters, as Plivo signs them.
func (e *verification) plivo(v security.Verifier) gin.HandlerFunc { return e.middleware(v, false) }

// twiML is the middleware of a Twilio or SignalWire route: a JSON body stays
// bytes, which the signature covers through bodySHA256.
func (e *verification) twiML(v security.Verifier) gin.HandlerFunc { return e.middleware(v, true) }

// middleware verifies every request with v before the handlers after it
// run:
//
//  1. the signature headers, before anything is read: 403 without them;
//  2. the public URL, rebuilt (PUBLIC_BASE_URL, trusted X-Forwarded-*, Host);
//  3. the query, and for a POST the body, read once (bounded) and parsed:
//     400 when malformed, 413 when too large, 415 when neither a form nor JSON;
//  4. v.Verify: 403 when it fails, logged (with a diagnosis, a few a second).
//
// A verifier that signs no body (Plivo V2) verifies before it reads the
// body, so that a forged request never costs a read or a parse.
func (e *verification) middleware(v security.Verifier, rawJSON bool) gin.HandlerFunc {
	_, bodyUnsigned := v.(*security.PlivoV2) // V2 signs the URL and the nonce only
	return func(c *gin.Context) {
		hr := c.Request
		resolved := e.publicURL.Resolve(hr)
		if err := v.CheckHeaders(hr.Header); err != nil {
			e.refuse(c, http.StatusForbidden, err, resolved, nil)
			return
		}
		query, err := security.ParseQuery(hr.URL.RawQuery)
		if err != nil {
			e.refuse(c, http.StatusBadRequest, err, resolved, nil)
			return
		}
		req := &security.Request{Method: hr.Method, URL: resolved.URL, Query: query, Header: hr.Header}
		if !bodyUnsigned && !e.body(c, req, rawJSON, resolved) {
			return
		}
		signed, err := v.Verify(req)
		if err != nil {
			status := http.StatusForbidden
			if errors.Is(err, security.ErrMalformedParams) || errors.Is(err, security.ErrBadURL) {
				status = http.StatusBadRequest
			}
			e.refuse(c, status, err, resolved, func() []any { return e.diagnose(v, req, resolved, err) })
			return
		}
		if bodyUnsigned && !e.body(c, req, rawJSON, resolved) {
			return
		}
		c.Set(callbackKey, &Callback{Request: req, Form: req.Form(), Signed: signed, Origin: resolved.Origin})
		c.Next()
	}
}

// body reads a POST's body into req, or refuses the request and returns
// false.
func (e *verification) body(c *gin.Context, req *security.Request, rawJSON bool, resolved publicurl.ResolvedURL) bool {
	if req.Method != http.MethodPost {
		return true
	}
	status, err := e.readBody(c, req, rawJSON)
	if err != nil {
		e.refuse(c, status, err, resolved, nil)
		return false
	}
	return true
}

// readBody reads the bounded body into req and parses it by content type.
// The buffer grows with the bytes received, not with the Content-Length
// announced: a sender that announces 64 KiB and sends one byte holds a few
// hundred bytes while the server waits for the rest.
func (e *verification) readBody(c *gin.Context, req *security.Request, rawJSON bool) (int, error) {
	errTooLarge := func() error { return fmt.Errorf("request body too large: at most %d bytes", e.maxBody) }
	if c.Request.ContentLength > e.maxBody {
		return http.StatusRequestEntityTooLarge, errTooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, e.maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, errTooLarge()
	case err != nil:
		return http.StatusBadRequest, errors.New("request body could not be read")
	case len(body) == 0:
		return 0, nil
	}
	req.Body = body
	switch mediaType := mediaType(c.GetHeader("Content-Type")); {
	case mediaType == "application/x-www-form-urlencoded":
		req.Params, err = security.ParseQuery(string(body))
	case mediaType == "application/json" && rawJSON:
		if !json.Valid(body) {
			err = fmt.Errorf("%w: body is not valid JSON", security.ErrMalformedParams)
		}
	case mediaType == "application/json":
		req.Params, err = security.ParseJSONParams(body)
	default:
		return http.StatusUnsupportedMediaType, errors.New("unsupported content type: send application/x-www-form-urlencoded or application/json")
	}
	if err != nil {
		return http.StatusBadRequest, err
	}
	return 0, nil
}

// mediaType is a Content-Type without its parameters, in lower case.
func mediaType(contentType string) string {
	t, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// refuse answers a request that cannot be verified with status and a short
// reason, and logs it at warn level (403) or info (other 4xx). A 403's line
// says where the URL came from, and for a mismatch diagnosis adds what was
// probably wrong, for a few refusals a second: past them, a flood of forged
// requests costs a short line each. Nothing after it runs.
func (e *verification) refuse(c *gin.Context, status int, err error, resolved publicurl.ResolvedURL, diagnosis func() []any) {
	attrs := []any{"route", c.FullPath(), "method", c.Request.Method, "status", status,
		"signature_headers", signatureHeaders(c.Request.Header), "reason", clip(err.Error())}
	switch {
	case status != http.StatusForbidden:
		e.log.Info("request refused", attrs...)
	case !e.detailed.allow():
		e.log.Warn("signature rejected", append(attrs, "hint", "diagnosis skipped: more than a few refusals a second")...)
	default:
		attrs = append(attrs, "url", clip(resolved.URL), "scheme_from", resolved.SchemeFrom, "host_from", resolved.HostFrom,
			"peer", resolved.Peer, "trusted_peer", resolved.TrustedPeer)
		if diagnosis != nil {
			attrs = append(attrs, diagnosis()...)
		}
		e.log.Warn("signature rejected", attrs...)
	}
	abort(c, status, reason(status, err))
}

// clip shortens a logged string (a URL can be long) to 512 bytes.
func clip(s string) string {
	if len(s) <= 512 {
		return s
	}
	return strings.ToValidUTF8(s[:512], "") + "…"
}

// abort answers status with a one-line plain-text reason and stops the chain.
func abort(c *gin.Context, status int, reason string) {
	c.Header("Cache-Control", "no-store")
	if status == http.StatusMethodNotAllowed {
		c.Header("Allow", "GET, POST")
	}
	c.Data(status, "text/plain; charset=utf-8", []byte(reason+"\n"))
	c.Abort()
}

// reason is the short body of a refusal: the sentinel's text, not the
// detailed error, which belongs in the server's log.
func reason(status int, err error) string {
	text := err.Error()
	for _, s := range []error{security.ErrNoSignature, security.ErrNoNonce, security.ErrBadNonce, security.ErrMismatch,
		security.ErrUnsignedBody, security.ErrJSONTooDeep, security.ErrMalformedParams, security.ErrBadURL} {
		if errors.Is(err, s) {
			text = s.Error()
			break
		}
	}
	return strings.ToLower(http.StatusText(status)) + ": " + text
}

// diagnose explains a mismatch when the request is the size of a callback:
// the usual suspects are tried, each a verification, so a few large forged
// requests must not buy many times their cost. (refuse calls it for a few
// refusals a second at most.)
func (e *verification) diagnose(v security.Verifier, req *security.Request, resolved publicurl.ResolvedURL, err error) []any {
	attrs := []any{"param_keys", paramKeys(req)}
	switch {
	case !errors.Is(err, security.ErrMismatch):
		return attrs
	case len(req.URL)+len(req.Body) > maxDiagnosed:
		return append(attrs, "hint", fmt.Sprintf("diagnosis skipped: request larger than %d bytes", maxDiagnosed))
	}
	d := publicurl.Diagnose(v, req, resolved)
	return append(attrs, "would_verify", d.WouldVerify, "hint", d.Hint)
}

// maxDiagnosed is the largest request (URL and body) that a mismatch is
// diagnosed for: a callback is a few KiB.
const maxDiagnosed = 16 << 10

// paramKeys lists the keys of the query and body, never their values: the
// first 50 in sorted order, each clipped to 40 bytes, 400 bytes at most in
// all, so that a refusal's log line stays short whatever was sent. It sorts
// only the keys it lists: a request with many keys costs no second sort.
func paramKeys(r *security.Request) string {
	var first []string // the least keys seen, in order
	count := 0
	for _, values := range []url.Values{r.Query, r.Params} {
		for key := range values {
			count++
			if len(first) == 50 && key >= first[49] {
				continue
			}
			if i, found := slices.BinarySearch(first, key); !found {
				first = slices.Insert(first, i, key)
				first = first[:min(len(first), 50)]
			}
		}
	}
	var b strings.Builder
	listed := 0
	for _, key := range first {
		if len(key) > 40 {
			key = strings.ToValidUTF8(key[:40], "") + "…"
		}
		if b.Len()+len(key) > 400 {
			break
		}
		if listed++; listed > 1 {
			b.WriteByte(',')
		}
		b.WriteString(key)
	}
	if listed < count {
		fmt.Fprintf(&b, ",… (%d keys in the query and body)", count)
	}
	return b.String()
}

// signatureHeaders names the signature and nonce headers present; never their values.
func signatureHeaders(h http.Header) string {
	var names []string
	for _, n := range []string{security.HeaderPlivoV3, security.HeaderPlivoMainV3, security.HeaderPlivoV3Nonce,
		security.HeaderPlivoV2, security.HeaderPlivoMainV2, security.HeaderPlivoV2Nonce, security.HeaderTwilio, security.HeaderSignalWire} {
		if len(h.Values(n)) > 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, ",")
}

// rateLimit allows at most n events a second.
type rateLimit struct {
	mu     sync.Mutex
	n      int
	second time.Time
	used   int
}

func (l *rateLimit) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := time.Now().Truncate(time.Second); !now.Equal(l.second) {
		l.second, l.used = now, 0
	}
	l.used++
	return l.used <= l.n
}
