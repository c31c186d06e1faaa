package replay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// Guard is the replay and duplicate guard. Put its Middleware after the
// signature check and before the handler: only verified requests reach the
// store, so unsigned traffic can neither fill it nor lock out a genuine
// request.
type Guard struct {
	Store Store
	// Window is how long a key is remembered: longer than the provider's
	// last retry (Plivo's is 7 minutes after the first attempt).
	Window time.Duration
	// StoreTimeout bounds each call to a store that does I/O (Redis). Zero
	// means no bound beyond the request's own context, which is right for
	// the in-memory store.
	StoreTimeout time.Duration
	// MaxAnswerBytes bounds a stored answer; zero means 64 KiB. A larger
	// answer is remembered as a 409, so that its duplicates are still refused.
	MaxAnswerBytes int
	Log            *slog.Logger
}

// Headers of the guard's own answers.
const (
	// HeaderDuplicate marks a stored answer replayed to a duplicate.
	HeaderDuplicate = "X-Replay-Duplicate"
)

// NonceKey is the key of a verified request's nonce under a scheme. The
// nonce is hashed: keys have a fixed size and carry nothing a client chose.
func NonceKey(scheme, nonce string) string { return scheme + ":nonce:" + digest(nonce) }

// MessageKey is the key of a message's UUID under a scheme, so that a
// message retried with a fresh nonce is handled once.
func MessageKey(scheme, messageUUID string) string { return scheme + ":msg:" + digest(messageUUID) }

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// Middleware guards the handlers after it. keys returns the request's keys;
// it runs only for verified requests.
//
// Unseen keys are claimed and the handler runs; an answer below 500 is stored
// for the window, while a 5xx or a panic releases the claim so the provider's
// retry is handled afresh. Answered keys get the stored answer without the
// handler running. Keys in flight get 409 with Retry-After. When the store
// cannot be reached or is full, 503 with Retry-After: the handler never runs
// unguarded.
func (g *Guard) Middleware(keys func(*gin.Context) []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		ks := keys(c)
		ctx, cancel := g.storeContext(c.Request.Context())
		claim, err := g.Store.Claim(ctx, ks, g.Window)
		cancel()
		switch {
		case errors.Is(err, ErrFull):
			g.Log.Error("replay store full: refusing new requests until keys expire; raise REPLAY_MAX_ENTRIES", "route", c.FullPath())
			refuse(c, http.StatusServiceUnavailable, 30, "service unavailable: replay store full, retry later")
			return
		case err != nil:
			g.Log.Error("replay store unreachable: refusing verified requests", "route", c.FullPath(), "error", err.Error())
			refuse(c, http.StatusServiceUnavailable, 5, "service unavailable: replay store unreachable, retry later")
			return
		case claim.State == Answered:
			g.Log.Info("duplicate request answered from the replay store", "route", c.FullPath(), "status", claim.Answer.Status)
			c.Header(HeaderDuplicate, "1")
			c.Data(claim.Answer.Status, claim.Answer.ContentType, claim.Answer.Body)
			c.Abort()
			return
		case claim.State == InFlight:
			g.Log.Info("duplicate request while the first is in flight", "route", c.FullPath())
			refuse(c, http.StatusConflict, 2, "conflict: the same request is being handled, retry later")
			return
		}
		g.run(c, claim)
	}
}

// run calls the handlers with the claim held, then stores their answer or
// releases the claim.
func (g *Guard) run(c *gin.Context, claim Claim) {
	rec := &recorder{ResponseWriter: c.Writer, limit: g.maxAnswer()}
	c.Writer = rec
	done := false
	defer func() {
		c.Writer = rec.ResponseWriter
		if !done { // a 5xx, or a panic on its way up
			ctx, cancel := g.storeContext(context.WithoutCancel(c.Request.Context()))
			defer cancel()
			if err := g.Store.Release(ctx, claim); err != nil {
				g.Log.Error("replay store: release failed; the key stays in flight until its window ends", "error", err.Error())
			}
		}
	}()
	c.Next()
	status := rec.Status()
	if status >= 500 {
		return
	}
	answer := Answer{Status: status, ContentType: rec.Header().Get("Content-Type"), Body: rec.body.Bytes()}
	if rec.overflow {
		answer = Answer{Status: http.StatusConflict, ContentType: "text/plain; charset=utf-8",
			Body: []byte("conflict: duplicate of a request already answered\n")}
	}
	ctx, cancel := g.storeContext(context.WithoutCancel(c.Request.Context()))
	defer cancel()
	if err := g.Store.Complete(ctx, claim, answer); err != nil {
		g.Log.Error("replay store: storing the answer failed; duplicates get 409 until the window ends", "error", err.Error())
	}
	done = true
}

func refuse(c *gin.Context, status, retryAfter int, reason string) {
	c.Header("Retry-After", strconv.Itoa(retryAfter))
	c.Header("Cache-Control", "no-store")
	c.String(status, reason+"\n")
	c.Abort()
}

// storeContext bounds one store call by StoreTimeout, when set.
func (g *Guard) storeContext(parent context.Context) (context.Context, context.CancelFunc) {
	if g.StoreTimeout > 0 {
		return context.WithTimeout(parent, g.StoreTimeout)
	}
	return parent, func() {}
}

func (g *Guard) maxAnswer() int {
	if g.MaxAnswerBytes > 0 {
		return g.MaxAnswerBytes
	}
	return 64 << 10
}

// recorder passes a response through while keeping a copy of its body, up
// to a limit.
type recorder struct {
	gin.ResponseWriter
	body     bytes.Buffer
	limit    int
	overflow bool
}

func (r *recorder) Write(b []byte) (int, error) {
	r.keep(b)
	return r.ResponseWriter.Write(b)
}

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
