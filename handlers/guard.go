package handlers

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"answerurl/replay"
)

// HeaderDuplicate marks a stored answer replayed to a duplicate.
const HeaderDuplicate = "X-Replay-Duplicate"

// guarded returns middleware that lets the handlers after it run once per
// set of keys: keys names a verified callback (the digest of what was
// signed, and what identifies a message).
//
// Unseen keys are claimed for one lease and the handler runs; an answer
// below 500 is stored for the window, while a 5xx or a panic releases the
// claim so that the provider's retry is handled afresh. Answered keys get
// the stored answer without the handler running. Keys in flight get 409
// with Retry-After. When the store cannot be reached or is full, 503 with
// Retry-After: the handler never runs unguarded.
func guarded(g *replay.Guard, log *slog.Logger, keys func(*Callback) []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		claim, err := g.Claim(c.Request.Context(), keys(CallbackFrom(c)))
		switch {
		case errors.Is(err, replay.ErrFull):
			log.Error("replay store full: refusing new requests until keys expire; raise REPLAY_MAX_ENTRIES", "route", c.FullPath())
			retryLater(c, http.StatusServiceUnavailable, 30, "service unavailable: replay store full, retry later")
		case err != nil:
			log.Error("replay store failed: refusing verified requests", "route", c.FullPath(), "error", err.Error())
			retryLater(c, http.StatusServiceUnavailable, 5, "service unavailable: replay store unreachable, retry later")
		case claim.State == replay.Answered:
			log.Info("duplicate request answered from the replay store", "route", c.FullPath(), "status", claim.Answer.Status)
			c.Header(HeaderDuplicate, "1")
			c.Data(claim.Answer.Status, claim.Answer.ContentType, claim.Answer.Body)
			c.Abort()
		case claim.State == replay.InFlight:
			log.Info("duplicate request while the first is in flight", "route", c.FullPath())
			retryLater(c, http.StatusConflict, 2, "conflict: the same request is being handled, retry later")
		default:
			runClaimed(c, g, log, claim)
		}
	}
}

// runClaimed runs the handlers with the claim held, then stores their
// answer or releases the claim.
func runClaimed(c *gin.Context, g *replay.Guard, log *slog.Logger, claim replay.Claim) {
	rec := &recorder{ResponseWriter: c.Writer, limit: g.MaxAnswer()}
	c.Writer = rec
	answered := false
	defer func() {
		c.Writer = rec.ResponseWriter
		if !answered { // a 5xx, or a panic on its way up
			if err := g.Release(c.Request.Context(), claim); err != nil {
				log.Error("replay store: release failed; the keys stay in flight until their lease ends", "error", err.Error())
			}
		}
	}()
	c.Next()
	if rec.Status() >= 500 {
		return
	}
	answer := replay.Answer{Status: rec.Status(), ContentType: rec.Header().Get("Content-Type"), Body: rec.body.Bytes()}
	if rec.overflow {
		answer = replay.Answer{Status: http.StatusConflict, ContentType: "text/plain; charset=utf-8",
			Body: []byte("conflict: duplicate of a request already answered\n")}
	}
	switch err := g.Complete(c.Request.Context(), claim, answer); {
	case errors.Is(err, replay.ErrLost):
		log.Warn("replay store: the answer came after the claim's lease ran out and was not stored; a retry may be handled again", "route", c.FullPath())
	case err != nil:
		log.Error("replay store: storing the answer failed; duplicates get 409 until the lease ends", "error", err.Error())
	}
	answered = true
}

func retryLater(c *gin.Context, status, seconds int, reason string) {
	c.Header("Retry-After", strconv.Itoa(seconds))
	abort(c, status, reason)
}

// recorder passes a response through while keeping a copy of its body, up
// to a limit.
type recorder struct {
	gin.ResponseWriter
	body     bytes.Buffer
	limit    int
	overflow bool
}

// Write passes b on and keeps a copy.
func (r *recorder) Write(b []byte) (int, error) {
	r.keep(b)
	return r.ResponseWriter.Write(b)
}

// WriteString passes s on and keeps a copy.
func (r *recorder) WriteString(s string) (int, error) {
	r.keep([]byte(s))
	return r.ResponseWriter.WriteString(s)
}

func (r *recorder) keep(b []byte) {
	if r.overflow || r.body.Len()+len(b) > r.limit {
		r.overflow = true
		return
	}
	r.body.Write(b)
}
