package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
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
	MaxBodyBytes int64         // zero: DefaultMaxBodyBytes
	Speak        xmlresp.Speak // the answer of /speak/
	SMSReply     string        // the text sent back by /receive_sms/
	// TwilioAuthTokens and SignalWireSigningKeys enable /twilio/… and
	// /signalwire/… when set; without them those routes do not exist (404).
	TwilioAuthTokens      []string
	SignalWireSigningKeys []string
	// Ready, when set, is what /readyz checks (the shared replay store);
	// /healthz stays a plain liveness check.
	Ready func(context.Context) error
	// Replay, when set, guards the Plivo routes against replays and
	// duplicate deliveries. Twilio and SignalWire signatures carry no nonce,
	// so it cannot guard their routes.
	Replay *replay.Guard
	Log    *slog.Logger
}

// Router is the application: its routes, each verified before it runs.
// Add your own with [Router.Voice] and [Router.Message].
type Router struct {
	engine *gin.Engine
	edge   *edge
	v3     *security.PlivoV3
	v2     *security.PlivoV2
	replay *replay.Guard
	log    *slog.Logger
}

// NewRouter builds the application's routes.
//
// Each callback route is registered with and without its trailing slash,
// for GET and POST, and the router never redirects: a redirect would change
// the URL the provider signed.
func NewRouter(o Options) (*Router, error) {
	v3, err := security.NewPlivoV3(o.Plivo)
	if err != nil {
		return nil, err
	}
	v2, err := security.NewPlivoV2(o.Plivo)
	if err != nil {
		return nil, err
	}
	speakXML, err := xmlresp.Render(o.Speak)
	if err != nil {
		return nil, err
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	r := &Router{engine: newEngine(o.Log), v3: v3, v2: v2, replay: o.Replay, log: o.Log,
		edge: &edge{publicURL: o.PublicURL, maxBody: o.MaxBodyBytes, log: o.Log, diagnoses: &rateLimit{n: 5}}}

	r.Voice("/speak", StaticXML(speakXML))
	r.Message("/receive_sms", inboundMessageKeys, ReceiveSMS(o.SMSReply, o.Log))
	if err := r.twilioRoutes(o); err != nil {
		return nil, err
	}
	r.engine.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.engine.GET("/readyz", ready(o.Ready))
	return r, nil
}

// ServeHTTP implements http.Handler.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.engine.ServeHTTP(w, req) }

// Voice registers a Plivo voice callback route (an answer, action or hangup
// URL): every request is verified with X-Plivo-Signature-V3 before h runs,
// and h runs once per callback, however often it is delivered.
func (r *Router) Voice(path string, h gin.HandlerFunc) {
	r.handle(path, r.edge.verified(r.v3, false), r.guard("plivo-v3", security.HeaderPlivoV3Nonce, nil), h)
}

// Message registers a Plivo message callback route (a message URL or a
// message status URL): every request is verified with
// X-Plivo-Signature-V2 before h runs, and h runs once per callback. V2
// signs no body, so messageKeys names what makes a callback distinct (its
// MessageUUID, and its Status for a status callback): a retry with a fresh
// nonce is then recognised too.
func (r *Router) Message(path string, messageKeys func(form url.Values) []string, h gin.HandlerFunc) {
	r.handle(path, r.edge.verified(r.v2, false), r.guard("plivo-v2", security.HeaderPlivoV2Nonce, messageKeys), h)
}

// handle registers chain for GET and POST on path and path + "/".
func (r *Router) handle(path string, chain ...gin.HandlerFunc) {
	for _, p := range []string{path, path + "/"} {
		r.engine.GET(p, chain...)
		r.engine.POST(p, chain...)
	}
}

// guard keys a verified callback by its nonce and the fingerprint of what
// was signed, which catches the same signed content cut differently between
// URL, body and nonce, plus messageKeys for a message.
func (r *Router) guard(scheme, nonceHeader string, messageKeys func(url.Values) []string) gin.HandlerFunc {
	if r.replay == nil {
		return func(c *gin.Context) { c.Next() }
	}
	return guarded(r.replay, r.log, func(cb *Callback) []string {
		keys := []string{
			replay.Key(scheme, "nonce", cb.Request.Header.Get(nonceHeader)),
			replay.Key(scheme, "signed", string(cb.Signed[:])),
		}
		if messageKeys != nil {
			keys = append(keys, messageKeys(cb.Form)...)
		}
		return keys
	})
}

// inboundMessageKeys names an incoming message by its MessageUUID.
func inboundMessageKeys(form url.Values) []string {
	if id := form.Get("MessageUUID"); id != "" {
		return []string{replay.Key("plivo-v2", "msg", id)}
	}
	return nil
}

// twilioRoutes adds the Twilio and SignalWire routes whose secret is set.
func (r *Router) twilioRoutes(o Options) error {
	if len(o.TwilioAuthTokens) == 0 && len(o.SignalWireSigningKeys) == 0 {
		return nil
	}
	sayXML, err := xmlresp.Render(xmlresp.Say{Text: o.Speak.Text, Language: o.Speak.Language, Loop: o.Speak.Loop})
	if err != nil {
		return err
	}
	add := func(prefix string, v security.Verifier) {
		r.handle(prefix+"/voice", r.edge.verified(v, true), StaticXML(sayXML))
		r.handle(prefix+"/sms", r.edge.verified(v, true), TwilioSMS(o.SMSReply, o.Log))
	}
	if len(o.TwilioAuthTokens) > 0 {
		tw, err := security.NewTwilio(o.TwilioAuthTokens...)
		if err != nil {
			return err
		}
		add("/twilio", tw)
	}
	if len(o.SignalWireSigningKeys) > 0 {
		sw, err := security.NewSignalWire(o.SignalWireSigningKeys...)
		if err != nil {
			return err
		}
		add("/signalwire", sw)
	}
	return nil
}

// newEngine is a Gin engine that never redirects, answers 404 and 405 in
// plain text, and turns a panic into a logged 500.
func newEngine(log *slog.Logger) *gin.Engine {
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = true
	e.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		log.Error("panic in handler", "route", c.FullPath(), "error", err)
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	e.NoRoute(func(c *gin.Context) { abort(c, http.StatusNotFound, "not found") })
	e.NoMethod(func(c *gin.Context) { abort(c, http.StatusMethodNotAllowed, "method not allowed: use GET or POST") })
	return e
}

// ready answers /readyz: 200, or 503 while check fails.
func ready(check func(context.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if check != nil {
			ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
			defer cancel()
			if err := check(ctx); err != nil {
				c.Header("Retry-After", "5")
				c.String(http.StatusServiceUnavailable, "not ready: replay store: %v\n", err)
				return
			}
		}
		c.String(http.StatusOK, "ready\n")
	}
}
