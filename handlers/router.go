package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/replay"
	"answerurl/security"
	"answerurl/xmlresp"
)

// Options configures [NewRouter].
type Options struct {
	Plivo        security.PlivoTokens
	PublicURL    security.PublicURL
	MaxBodyBytes int64         // zero: security.DefaultMaxBodyBytes
	Speak        xmlresp.Speak // the answer of /speak/
	SMSReply     string        // the text sent back by /receive_sms/
	// TwilioAuthTokens and SignalWireSigningKeys enable /twilio/… and
	// /signalwire/… when set; without them those routes do not exist (404).
	TwilioAuthTokens      []string
	SignalWireSigningKeys []string
	// BareRoute adds POST|GET /bare/speak, which answers the /speak/ XML with
	// no verification at all: a baseline for load tests (LOADTEST_BARE_ROUTE=1).
	// Never enable it on a public server.
	BareRoute bool
	// Ready, when set, is what /readyz checks (the shared replay store);
	// /healthz stays a plain liveness check.
	Ready func(context.Context) error
	// Replay, when set, guards the Plivo routes against replays and
	// duplicate deliveries. Twilio and SignalWire signatures carry no nonce,
	// so it cannot guard their routes.
	Replay *replay.Guard
	Log    *slog.Logger

	// wrap, set only by this package's tests, wraps each route's final
	// handler, to count its runs or make it fail.
	wrap func(path string, h gin.HandlerFunc) gin.HandlerFunc
}

// NewRouter builds the application's routes.
//
// Each answer URL is registered with and without its trailing slash and the
// router never redirects: a redirect would change the URL the provider signed.
func NewRouter(o Options) (http.Handler, error) {
	log := o.Log
	tokens := o.Plivo
	v3, err := security.NewPlivoV3(tokens)
	if err != nil {
		return nil, err
	}
	v2, err := security.NewPlivoV2(tokens)
	if err != nil {
		return nil, err
	}
	speakXML, err := xmlresp.Render(o.Speak)
	if err != nil {
		return nil, err
	}
	mw := security.MiddlewareConfig{
		PublicURL:    o.PublicURL,
		MaxBodyBytes: o.MaxBodyBytes,
		OnReject:     security.LogReject(log),
	}

	r := gin.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.Use(recovery(log))
	r.NoRoute(plain(http.StatusNotFound, "not found"))
	r.NoMethod(plain(http.StatusMethodNotAllowed, "method not allowed: use GET or POST"))

	answer := func(path string, chain ...gin.HandlerFunc) {
		if o.wrap != nil {
			chain[len(chain)-1] = o.wrap(path, chain[len(chain)-1])
		}
		for _, p := range []string{path, path + "/"} {
			r.GET(p, chain...)
			r.POST(p, chain...)
		}
	}
	guard := func(keys func(*gin.Context) []string) gin.HandlerFunc {
		if o.Replay == nil {
			return func(c *gin.Context) { c.Next() }
		}
		return o.Replay.Middleware(keys)
	}
	answer("/speak", security.Middleware(v3, mw), guard(speakKeys), Speak(speakXML))
	answer("/receive_sms", security.Middleware(v2, mw), guard(messageKeys), ReceiveSMS(o.SMSReply, log))
	if len(o.TwilioAuthTokens) > 0 || len(o.SignalWireSigningKeys) > 0 {
		sayXML, err := xmlresp.Render(xmlresp.Say{Text: o.Speak.Text, Language: o.Speak.Language, Loop: o.Speak.Loop})
		if err != nil {
			return nil, err
		}
		raw := mw
		raw.RawJSON = true
		if len(o.TwilioAuthTokens) > 0 {
			tw, err := security.NewTwilio(o.TwilioAuthTokens...)
			if err != nil {
				return nil, err
			}
			answer("/twilio/voice", security.Middleware(tw, raw), Speak(sayXML))
			answer("/twilio/sms", security.Middleware(tw, raw), TwilioSMS(o.SMSReply, log))
		}
		if len(o.SignalWireSigningKeys) > 0 {
			sw, err := security.NewSignalWire(o.SignalWireSigningKeys...)
			if err != nil {
				return nil, err
			}
			answer("/signalwire/voice", security.Middleware(sw, raw), Speak(sayXML))
			answer("/signalwire/sms", security.Middleware(sw, raw), TwilioSMS(o.SMSReply, log))
		}
	}
	if o.BareRoute {
		r.GET("/bare/speak", Speak(speakXML))
		r.POST("/bare/speak", Speak(speakXML))
	}
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/readyz", func(c *gin.Context) {
		if o.Ready != nil {
			ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
			defer cancel()
			if err := o.Ready(ctx); err != nil {
				c.Header("Retry-After", "5")
				c.String(http.StatusServiceUnavailable, "not ready: replay store unreachable\n")
				return
			}
		}
		c.String(http.StatusOK, "ready\n")
	})
	return r, nil
}

// speakKeys are the replay keys of a verified voice callback: its V3 nonce.
func speakKeys(c *gin.Context) []string {
	r := security.RequestFrom(c)
	return []string{replay.NonceKey("plivo-v3", r.Header.Get(security.HeaderPlivoV3Nonce))}
}

// messageKeys are the replay keys of a verified message callback: its V2
// nonce and, when it has one, its MessageUUID, so that a retry with a fresh
// nonce is handled once. V2 does not sign the body, but only a verified
// request reaches this, so nobody can mint a MessageUUID key without a
// valid (nonce, signature) pair, whose nonce key is then taken too.
func messageKeys(c *gin.Context) []string {
	r := security.RequestFrom(c)
	keys := []string{replay.NonceKey("plivo-v2", r.Header.Get(security.HeaderPlivoV2Nonce))}
	if form, err := r.Form(); err == nil && form.Get("MessageUUID") != "" {
		keys = append(keys, replay.MessageKey("plivo-v2", form.Get("MessageUUID")))
	}
	return keys
}

// plain answers with a fixed status and a short plain-text reason.
func plain(status int, reason string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if status == http.StatusMethodNotAllowed {
			c.Header("Allow", "GET, POST")
		}
		c.String(status, reason+"\n")
	}
}

// recovery turns a panic into a logged 500 instead of a dropped connection.
// Nothing a client sends should reach it; the tests make sure of that.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		log.Error("panic in handler", "route", c.FullPath(), "error", err)
		c.AbortWithStatus(http.StatusInternalServerError)
	})
}
