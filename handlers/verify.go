package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

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
	// Form is the body's parameters and the query's together, the way a
	// handler wants them whatever the method. It is the request's Form too,
	// and c.PostForm, c.Query and c.ShouldBind read the same parse (see
	// present).
	Form url.Values
	// Signed is what the provider signed.
	Signed security.Signed
	// Origin is the public URL of the server's root, as this request was
	// verified for: a path appended to it is a public URL of this server.
	Origin string
}

const callbackKey = "handlers.Callback"

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
//  2. the public URL, rebuilt (PUBLIC_BASE_URL, trusted X-Forwarded-*, Host),
//     split and its query decoded once (security.NewRequest): 400 when
//     malformed;
//  3. for a POST the body, read once (bounded) and parsed by its one media
//     type: 400 when malformed, 413 when too large, 415 when neither a form
//     nor JSON;
//  4. v.Verify: 403 when it fails (400 when the URL or the parameters are
//     malformed), logged (with a diagnosis, a few a second);
//  5. the request presented as verified (see present), for the handlers.
//
// A verifier that signs no body (Plivo V2) verifies before it reads the
// body, so that a forged request never costs a read or a parse.
func (e *verification) middleware(v security.Verifier, rawJSON bool) gin.HandlerFunc {
	_, bodyUnsigned := v.(*security.PlivoV2) // V2 signs the URL and the nonce only
	return func(c *gin.Context) {
		hr := c.Request
		resolved := e.publicURL.Resolve(hr)
		if err := v.CheckHeaders(hr.Header); err != nil {
			e.refuse(c, http.StatusForbidden, err, resolved, nil, nil)
			return
		}
		req, err := security.NewRequest(hr.Method, resolved.URL, hr.Header)
		if err != nil {
			e.refuse(c, http.StatusBadRequest, err, resolved, nil, nil)
			return
		}
		if !bodyUnsigned && !e.body(c, req, rawJSON, resolved) {
			return
		}
		signed, err := v.Verify(req)
		if err != nil {
			status := http.StatusForbidden
			if errors.Is(err, security.ErrMalformedParams) || errors.Is(err, security.ErrBadURL) {
				status = http.StatusBadRequest
			}
			e.refuse(c, status, err, resolved, req, v)
			return
		}
		if bodyUnsigned && !e.body(c, req, rawJSON, resolved) {
			return
		}
		c.Set(callbackKey, &Callback{Request: req, Form: present(hr, req), Signed: signed, Origin: resolved.Origin})
		c.Next()
	}
}

// present makes hr read as the verified request req, the way net/http's
// ParseForm would have left it, so that Gin's accessors give what was
// verified: Form and PostForm hold req's parameters (c.PostForm,
// c.GetPostForm, c.ShouldBind for a form or a GET), RawQuery is req's query
// re-encoded (c.Query: the same values, whichever way they were escaped),
// Body reads req's body again (c.ShouldBindJSON, io.ReadAll) and
// Content-Type is the media type the body was parsed by. It returns
// hr.Form. Nothing that verification did not read stays readable: a GET's
// body, which it never reads, is emptied. (A V2 route's body is read but
// not signed: its handlers check what they use, see ParseInboundMessage.)
func present(hr *http.Request, req *security.Request) url.Values {
	query, _ := req.Query() // verified: it parses
	hr.URL.RawQuery = query.Encode()
	hr.PostForm = req.Params
	if hr.PostForm == nil {
		hr.PostForm = url.Values{}
	}
	hr.Form = req.Form()
	hr.Body, hr.ContentLength = io.NopCloser(bytes.NewReader(req.Body)), int64(len(req.Body))
	hr.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(req.Body)), nil }
	if mediaType := security.MediaType(hr.Header.Get("Content-Type")); mediaType != "" {
		hr.Header.Set("Content-Type", mediaType)
	}
	return hr.Form
}

// body reads a POST's body into req, or refuses the request and returns
// false.
func (e *verification) body(c *gin.Context, req *security.Request, rawJSON bool, resolved publicurl.ResolvedURL) bool {
	if req.Method != http.MethodPost {
		return true
	}
	status, err := e.readBody(c, req, rawJSON)
	if err != nil {
		e.refuse(c, status, err, resolved, req, nil)
		return false
	}
	return true
}

// readBody reads the bounded body into req and parses it by its media type
// (security.MediaType, the one reading of Content-Type). The buffer grows
// with the bytes received, not with the Content-Length announced: a sender
// that announces 64 KiB and sends one byte holds a few hundred bytes while
// the server waits for the rest.
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
	switch mediaType := security.MediaType(req.Header.Get("Content-Type")); {
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
