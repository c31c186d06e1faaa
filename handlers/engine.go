package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/replay"
)

// newEngine is a Gin engine that never redirects, answers 404 and 405 in
// plain text, and turns a panic into a logged 500.
func newEngine(log *slog.Logger) *gin.Engine {
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = true
	e.Use(accessLog(log), gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		log.Error("panic in handler", "route", c.FullPath(), "error", err)
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	e.NoRoute(func(c *gin.Context) { abort(c, http.StatusNotFound, "not found") })
	e.NoMethod(func(c *gin.Context) { abort(c, http.StatusMethodNotAllowed, "method not allowed: use GET or POST") })
	return e
}

// logIDs are the parameters that name a call or a message in the log, and
// the keys they are logged under.
var logIDs = [][2]string{{"CallUUID", "call_uuid"}, {"MessageUUID", "message_uuid"}, {"CallSid", "call_sid"}, {"MessageSid", "message_sid"}}

// callbackIDs are the parameters of form that name its call or message.
func callbackIDs(form url.Values) url.Values {
	ids := url.Values{}
	for _, id := range logIDs {
		if v := form.Get(id[0]); v != "" {
			ids.Set(id[0], v)
		}
	}
	return ids
}

// answeredKey holds, for a duplicate answered from the replay store, the
// IDs of the callback the stored answer answered (query-encoded).
const answeredKey = "handlers.answered"

// accessLog writes one "callback answered" line for every verified
// callback, once it is answered: the route, the method, the status, the
// call or message it was about and how long it took; a 5xx adds its cause
// when the handler recorded one with c.Error. A duplicate answered from the
// replay store is named by the callback its stored answer answered, not by
// its own body, which V2 does not sign. A refused request gets no access
// line: it has its one warn line (refuse.go), short past a few a second.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		cb := CallbackFrom(c)
		if cb == nil {
			return
		}
		ids := callbackIDs(cb.Form)
		if stored, ok := c.Get(answeredKey); ok {
			ids, _ = url.ParseQuery(stored.(string))
		}
		attrs := make([]slog.Attr, 0, 8)
		attrs = append(attrs, slog.String("route", c.FullPath()), slog.String("method", c.Request.Method), slog.Int("status", c.Writer.Status()))
		for _, id := range logIDs {
			if v := ids.Get(id[0]); v != "" {
				attrs = append(attrs, slog.String(id[1], v))
			}
		}
		if c.Writer.Header().Get(HeaderDuplicate) != "" {
			attrs = append(attrs, slog.Bool("duplicate", true))
		}
		level := slog.LevelInfo
		if err := c.Errors.Last(); err != nil && c.Writer.Status() >= 500 {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		attrs = append(attrs, slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000))
		log.LogAttrs(c.Request.Context(), level, "callback answered", attrs...)
	}
}

// Healthz answers /healthz: the server is up.
func Healthz() gin.HandlerFunc {
	return func(c *gin.Context) { c.String(http.StatusOK, "ok\n") }
}

// ReadyInterval is the most often /readyz asks its check: whatever the
// traffic, the store gets at most one probe per interval.
const ReadyInterval = time.Second

// Ready answers /readyz: 200, or 503 while check fails (the shared replay
// store cannot be reached). Anyone may ask, so check runs at most once per
// [ReadyInterval], however many ask: a poll within the interval gets the
// last result, and polls that come while a probe runs wait for it. The
// answer names the cause and nothing more (no address, no port); the
// details go to log, once per change (a warning when the check starts
// failing, a line when it passes again), never once per poll.
func Ready(check func(context.Context) error, log *slog.Logger) gin.HandlerFunc {
	if check == nil {
		return func(c *gin.Context) { c.String(http.StatusOK, "ready\n") }
	}
	p := &probe{check: check, log: log, done: make(chan struct{})}
	close(p.done)
	return func(c *gin.Context) {
		if err := p.result(c.Request.Context()); err != nil {
			c.Header("Retry-After", "5")
			cause := "unreachable"
			if errors.Is(err, replay.ErrCredentials) {
				cause = "refused the password"
			}
			c.String(http.StatusServiceUnavailable, "not ready: replay store %s\n", cause)
			return
		}
		c.String(http.StatusOK, "ready\n")
	}
}

// probe runs a readiness check at most once per ReadyInterval and keeps
// its result.
type probe struct {
	check func(context.Context) error
	log   *slog.Logger
	mu    sync.Mutex
	last  time.Time     // when the last check started
	err   error         // its result
	done  chan struct{} // closed when the last check has finished
}

// result is the last check's result, after checking again when the last
// one started an interval ago or more.
func (p *probe) result(ctx context.Context) error {
	p.mu.Lock()
	done := p.done
	if time.Since(p.last) >= ReadyInterval {
		p.last, done = time.Now(), make(chan struct{})
		p.done = done
		go p.run(done)
	}
	p.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// run checks once, keeps the result, logs a change, and closes done.
func (p *probe) run(done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	err := p.check(ctx)
	cancel()
	p.mu.Lock()
	was := p.err
	p.err = err
	p.mu.Unlock()
	switch { // before done closes: whoever saw this result can also see its line
	case err != nil && (was == nil || was.Error() != err.Error()):
		p.log.Warn("not ready: replay store", "err", err)
	case err == nil && was != nil:
		p.log.Info("ready again: replay store answers")
	}
	close(done)
}
