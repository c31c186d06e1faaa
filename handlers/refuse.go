package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/publicurl"
	"answerurl/security"
)

// refuse answers a request that cannot be verified with status and a short
// reason, and logs one warn line: the route, the URL rebuilt and where its
// scheme and host came from, the keys of the parameters read so far (of
// req, or of the URL's query when req is nil), the signature headers
// present and the reason; for a mismatch, what was probably wrong (v tried
// on the usual suspects). That detail is for a few refusals a second: past
// them, a flood of forged requests costs a short line each (route, method,
// status, signature headers, reason). Nothing after it runs.
func (e *verification) refuse(c *gin.Context, status int, err error, resolved publicurl.ResolvedURL, req *security.Request, v security.Verifier) {
	msg := "request refused"
	if status == http.StatusForbidden {
		msg = "signature rejected"
	}
	attrs := []any{"route", c.FullPath(), "method", c.Request.Method, "status", status,
		"signature_headers", signatureHeaders(c.Request.Header), "reason", clip(err.Error())}
	if !e.detailed.allow() {
		e.log.Warn(msg, append(attrs, "hint", "diagnosis skipped: more than a few refusals a second")...)
		abort(c, status, reason(status, err))
		return
	}
	attrs = append(attrs, "url", clip(resolved.URL), "scheme_from", resolved.SchemeFrom, "host_from", resolved.HostFrom,
		"peer", resolved.Peer, "trusted_peer", resolved.TrustedPeer)
	if req == nil {
		req = &security.Request{URL: resolved.URL} // its query's keys, when it decodes
	}
	attrs = append(attrs, "param_keys", paramKeys(req))
	if v != nil && errors.Is(err, security.ErrMismatch) {
		attrs = append(attrs, diagnose(v, req, resolved)...)
	}
	e.log.Warn(msg, attrs...)
	abort(c, status, reason(status, err))
}

// diagnose explains a mismatch when the request is the size of a callback:
// the usual suspects are tried, each a verification, so a few large forged
// requests must not buy many times their cost. (refuse calls it for a few
// refusals a second at most.)
func diagnose(v security.Verifier, req *security.Request, resolved publicurl.ResolvedURL) []any {
	if len(req.URL)+len(req.Body) > maxDiagnosed {
		return []any{"hint", fmt.Sprintf("diagnosis skipped: request larger than %d bytes", maxDiagnosed)}
	}
	d := publicurl.Diagnose(v, req, resolved)
	return []any{"would_verify", d.WouldVerify, "hint", d.Hint}
}

// maxDiagnosed is the largest request (URL and body) that a mismatch is
// diagnosed for: a callback is a few KiB.
const maxDiagnosed = 16 << 10

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

// paramKeys lists the distinct keys of the query and body, never their
// values: the first 50 in sorted order, each clipped to 40 bytes, as many
// as fit in 400 bytes, then, when some are left out, how many keys there
// are; so a refusal's log line stays short whatever was sent. A key in both
// the query and the body is one key. It keeps only the 50 first keys in
// order: a request with many keys costs no sort of them all.
func paramKeys(r *security.Request) string {
	query, _ := r.Query()
	var first []string // the least keys seen, in order
	count := len(query)
	for key := range r.Params {
		if _, inQuery := query[key]; !inQuery {
			count++
		}
	}
	for _, values := range []map[string][]string{query, r.Params} {
		for key := range values {
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
