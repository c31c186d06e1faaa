package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"answerurl/replay"
)

// HeaderDuplicate marks a stored answer replayed to a duplicate.
const HeaderDuplicate = "X-Replay-Duplicate"

// maxAnswerBytes bounds an answer the guard keeps: Plivo XML is a few KiB.
const maxAnswerBytes = 64 << 10

// CallbackID says what names one callback of a route, so that a
// provider's retry of it (the same callback under a fresh signature) is
// answered once too: [BySignature], the signature alone, or [ByParams], the
// values of the parameters it names, all of them together. A route has
// exactly one.
type CallbackID struct{ params []string }

// BySignature names a callback by its signature alone: for a route whose
// provider's retries carry nothing that names the callback, or that are
// never retried (a voice answer URL goes to its fallback URL instead).
var BySignature = CallbackID{}

// ByParams names a callback by the values of all the given parameters
// together: ByParams("MessageUUID", "Status") is one callback per message
// and status, so a message's "delivered" is not answered with its "sent". A
// request that lacks one of them is named by its signature alone. It panics
// when given no name or an empty one, as a route with a bad path does.
func ByParams(names ...string) CallbackID {
	if len(names) == 0 || slices.Contains(names, "") {
		panic(fmt.Sprintf("handlers.ByParams(%q): name every parameter that names a callback, or use BySignature", names))
	}
	return CallbackID{params: slices.Clone(names)}
}

// Params are the parameters that name a callback: none for BySignature.
func (id CallbackID) Params() []string { return slices.Clone(id.params) }

// String is "signature", or the parameters joined with " + ".
func (id CallbackID) String() string {
	if len(id.params) == 0 {
		return "signature"
	}
	return strings.Join(id.params, " + ")
}

// value is the callback's name in form, or "" when one of the parameters
// is missing (or when there are none).
func (id CallbackID) value(form url.Values) string {
	values := make([]string, len(id.params))
	for i, name := range id.params {
		if values[i] = form.Get(name); values[i] == "" {
			return ""
		}
	}
	return strings.Join(values, "\x00")
}

// once is the middleware that answers each callback of a route once, or
// nothing when the server runs without a replay guard. A verified request
// is named by the digest of what was signed (which holds the nonce, and is
// the same however the signed string is cut into URL, body and nonce), and
// by its callback ID, namespaced by the signature scheme and by the route's
// path (as add registers it, whichever slash spelling it was given).
func (r *Router) once(namespace, path string, id CallbackID) gin.HandlerFunc {
	if r.replay == nil {
		return func(c *gin.Context) { c.Next() }
	}
	path = strings.TrimSuffix(path, "/")
	return answerOnce(r.replay, r.log, func(cb *Callback) replay.Keys {
		digest := cb.Signed.Digest()
		k := replay.Keys{Signed: replay.Key(namespace, "signed", string(digest[:]))}
		if v := id.value(cb.Form); v != "" {
			k.Callback = []string{replay.Key(namespace, path, v)}
		}
		return k
	})
}

// answerOnce returns middleware that lets the handlers after it run once
// per callback, as the replay package promises (I1-I3): keys names a
// verified request.
//
// A claim that finds nothing runs the handler with its answer held back; an
// answer below 500 is stored, and only then sent (503 when the store fails,
// 500 when the answer is over 64 KiB); a 5xx or a panic abandons the claim
// so that the provider's retry is handled afresh. A request whose record
// was answered gets the stored answer without the handler running, and is
// logged under the callback that answer answered (see accessLog); one whose
// record is in flight gets 409 with Retry-After; one whose signature is
// spent gets 409. When the store cannot be reached or is full, 503 with
// Retry-After: the handler never runs unguarded.
func answerOnce(g *replay.Guard, log *slog.Logger, keys func(*Callback) replay.Keys) gin.HandlerFunc {
	return func(c *gin.Context) {
		claim, err := g.Claim(c.Request.Context(), keys(CallbackFrom(c)))
		switch {
		case errors.Is(err, replay.ErrFull):
			log.Error("replay store full: refusing new requests until keys expire; raise REPLAY_MAX_ENTRIES", "route", c.FullPath())
			retryLater(c, http.StatusServiceUnavailable, 30, "service unavailable: replay store full, retry later")
		case err != nil:
			log.Error("replay store failed: refusing verified requests", "route", c.FullPath(), "error", err.Error())
			retryLater(c, http.StatusServiceUnavailable, 5, "service unavailable: replay store unreachable, retry later")
		case claim.State == replay.Claimed:
			runClaimed(c, g, log, claim)
		case claim.State == replay.Answered:
			log.Info("duplicate request answered from the replay store", "route", c.FullPath(), "status", claim.Answer.Status)
			c.Set(answeredKey, claim.Answer.Callback)
			c.Header(HeaderDuplicate, "1")
			c.Data(claim.Answer.Status, claim.Answer.ContentType, claim.Answer.Body)
			c.Abort()
		case claim.State == replay.InFlight:
			log.Info("duplicate request while the first is in flight", "route", c.FullPath())
			retryLater(c, http.StatusConflict, 2, "conflict: the same request is being handled, retry later")
		case claim.State == replay.Spent:
			log.Warn("replayed signature refused: its first request was not answered", "route", c.FullPath())
			abort(c, http.StatusConflict, "conflict: this signature was already used")
		default: // a Store that returned no state: never taken for a claim
			log.Error("replay store returned no state: refusing verified requests", "route", c.FullPath(), "state", claim.State.String())
			abort(c, http.StatusInternalServerError, "internal error: replay store returned no state")
		}
	}
}

// runClaimed runs the handlers with the claim held and their answer held
// back, then stores the answer, with the IDs of the callback it answers,
// and sends it. A 5xx, a panic, or an answer that cannot be stored abandons
// the claim first, so that the provider's retry is handled.
func runClaimed(c *gin.Context, g *replay.Guard, log *slog.Logger, claim replay.Claim) {
	out := c.Writer
	held := &heldResponse{ResponseWriter: out, header: http.Header{}}
	c.Writer = held
	abandon := func() {
		if err := g.Abandon(c.Request.Context(), claim); err != nil {
			log.Error("replay store: abandoning the claim failed; the callback's keys stay in flight until their lease ends", "error", err.Error())
		}
	}
	panicked := true
	defer func() {
		if panicked {
			c.Writer = out
			abandon()
		}
	}()
	c.Next()
	panicked = false
	c.Writer = out
	answer := replay.Answer{Status: held.Status(), ContentType: held.header.Get("Content-Type"), Body: held.body.Bytes(),
		Callback: callbackIDs(CallbackFrom(c).Form).Encode()}
	if answer.Status >= 500 { // the handler failed: the provider's retry is handled
		abandon()
		held.sendTo(out)
		return
	}
	if status, reason := keep(c, g, log, claim, answer); status != 0 {
		abandon()
		retryLater(c, status, 5, reason)
		return
	}
	held.sendTo(out)
}

// keep stores answer with the claim's keys; when it cannot, it says what
// to answer instead (a status and a reason).
func keep(c *gin.Context, g *replay.Guard, log *slog.Logger, claim replay.Claim, answer replay.Answer) (int, string) {
	if len(answer.Body) > maxAnswerBytes {
		log.Error("answer larger than 64 KiB: not kept, not sent", "route", c.FullPath())
		return http.StatusInternalServerError, "internal error: the answer could not be kept"
	}
	err := g.Complete(c.Request.Context(), claim, answer)
	switch {
	case err == nil:
		return 0, ""
	case errors.Is(err, replay.ErrLost):
		log.Warn("replay store: the answer came after the claim's lease ran out; not sent, so the retry is handled", "route", c.FullPath())
		return http.StatusServiceUnavailable, "service unavailable: the request took too long, retry later"
	default:
		log.Error("replay store: storing the answer failed; not sent, so the retry is handled", "error", err.Error())
		return http.StatusServiceUnavailable, "service unavailable: replay store unreachable, retry later"
	}
}

func retryLater(c *gin.Context, status, seconds int, reason string) {
	c.Header("Retry-After", strconv.Itoa(seconds))
	abort(c, status, reason)
}

// heldResponse takes a handler's response (status, headers and body)
// without sending any of it, until sendTo.
type heldResponse struct {
	gin.ResponseWriter
	header  http.Header
	status  int
	body    bytes.Buffer
	written bool
}

// Header is the held response's header, sent with it.
func (h *heldResponse) Header() http.Header { return h.header }

// WriteHeader sets the status to send.
func (h *heldResponse) WriteHeader(code int) { h.status = code }

// WriteHeaderNow marks the response written; nothing is sent yet.
func (h *heldResponse) WriteHeaderNow() { h.written = true }

// Written reports whether the handler wrote a response.
func (h *heldResponse) Written() bool { return h.written }

// Size is the length of the body held.
func (h *heldResponse) Size() int { return h.body.Len() }

// Write holds b.
func (h *heldResponse) Write(b []byte) (int, error) {
	h.written = true
	return h.body.Write(b)
}

// WriteString holds s.
func (h *heldResponse) WriteString(s string) (int, error) {
	h.written = true
	return h.body.WriteString(s)
}

// Status is the status the handler set: 200 if it set none.
func (h *heldResponse) Status() int {
	if h.status == 0 {
		return http.StatusOK
	}
	return h.status
}

// sendTo sends the held response to w.
func (h *heldResponse) sendTo(w gin.ResponseWriter) {
	for k, v := range h.header {
		w.Header()[k] = v
	}
	w.WriteHeader(h.Status())
	w.Write(h.body.Bytes())
}
