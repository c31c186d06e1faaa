package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
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

// accessLog writes one line for every verified callback, once it is
// answered: the route, the status, the call or message it was about and how
// long it took. A refused request gets no line here: it has its one warn
// line (refuse.go), short past a few a second.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	ids := [][2]string{{"CallUUID", "call_uuid"}, {"MessageUUID", "message_uuid"}, {"CallSid", "call_sid"}, {"MessageSid", "message_sid"}}
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		cb := CallbackFrom(c)
		if cb == nil {
			return
		}
		attrs := make([]slog.Attr, 0, 6)
		attrs = append(attrs, slog.String("route", c.FullPath()), slog.String("method", c.Request.Method), slog.Int("status", c.Writer.Status()))
		for _, id := range ids {
			if v := cb.Form.Get(id[0]); v != "" {
				attrs = append(attrs, slog.String(id[1], v))
			}
		}
		if c.Writer.Header().Get(HeaderDuplicate) != "" {
			attrs = append(attrs, slog.Bool("duplicate", true))
		}
		attrs = append(attrs, slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000))
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "callback answered", attrs...)
	}
}

// Healthz answers /healthz: the server is up.
func Healthz() gin.HandlerFunc {
	return func(c *gin.Context) { c.String(http.StatusOK, "ok\n") }
}

// Ready answers /readyz: 200, or 503 while check fails (the shared replay
// store cannot be reached). Anyone may ask, so the answer names the cause
// and nothing more (no address, no port); the details are for the log,
// which check writes to.
func Ready(check func(context.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if check != nil {
			ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
			defer cancel()
			if err := check(ctx); err != nil {
				c.Header("Retry-After", "5")
				cause := "unreachable"
				if errors.Is(err, replay.ErrRedisAuth) {
					cause = "refused the password"
				}
				c.String(http.StatusServiceUnavailable, "not ready: replay store %s\n", cause)
				return
			}
		}
		c.String(http.StatusOK, "ready\n")
	}
}
