package handlers

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

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
	Log                   *slog.Logger
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
		for _, p := range []string{path, path + "/"} {
			r.GET(p, chain...)
			r.POST(p, chain...)
		}
	}
	answer("/speak", security.Middleware(v3, mw), Speak(speakXML))
	answer("/receive_sms", security.Middleware(v2, mw), ReceiveSMS(o.SMSReply, log))
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
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	return r, nil
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
