package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"answerurl/publicurl"
	"answerurl/replay"
	"answerurl/security"
	"answerurl/xmlresp"
)

// Options configures [NewRouter].
type Options struct {
	Plivo        security.PlivoTokens
	PublicURL    publicurl.PublicURL
	MaxBodyBytes int64         // zero: DefaultMaxBodyBytes
	Speak        xmlresp.Speak // the answer of /speak/
	SMSReply     string        // the text sent back by /receive_sms/
	// IVRTransferNumber is the number /ivr/choice/ dials when the caller
	// presses 2; empty, option 2 says no one is available.
	IVRTransferNumber string
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
	r.Message("/receive_sms", ReceiveSMS(o.SMSReply, o.Log), ByParams("MessageUUID"))
	// A call flow: a menu, its GetInput action URL, and the call's hangup URL.
	r.Voice("/ivr", IVRMenu())
	r.Voice("/ivr/choice", IVRChoice(o.IVRTransferNumber, o.Log))
	r.Voice("/ivr/voicemail", IVRVoicemail(o.Log))
	r.Voice("/hangup", Hangup(o.Log), ByParams("CallUUID")) // Plivo sends one hangup per call
	r.Message("/message_status", MessageStatus(o.Log), ByParams("MessageUUID", "Status"))
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
// and h runs once per signature. keys, when given, name what makes a
// callback distinct beyond its signature (a hangup's CallUUID), so that a
// retry under a fresh signature is recognised too.
func (r *Router) Voice(path string, h gin.HandlerFunc, keys ...CallbackKeys) {
	r.handle(path, r.edge.verified(r.v3, false), r.guard("plivo-v3", path, keys), h)
}

// Message registers a Plivo message callback route (a message URL or a
// message status URL): every request is verified with X-Plivo-Signature-V2
// before h runs, and h runs once per callback. V2 signs no body, so keys
// name what makes a callback distinct (its MessageUUID, and its Status for
// a status callback): a retry with a fresh nonce is then recognised too.
func (r *Router) Message(path string, h gin.HandlerFunc, keys ...CallbackKeys) {
	r.handle(path, r.edge.verified(r.v2, false), r.guard("plivo-v2", path, keys), h)
}

// CallbackKeys names a callback by its parameters: a provider's retry of
// it carries the same values under a fresh signature.
type CallbackKeys func(form url.Values) []string

// ByParams names a callback by the values of the given parameters together,
// such as ByParams("MessageUUID", "Status"); a callback that lacks one of
// them is named by its signature alone.
func ByParams(names ...string) CallbackKeys {
	return func(form url.Values) []string {
		values := make([]string, len(names))
		for i, name := range names {
			if values[i] = form.Get(name); values[i] == "" {
				return nil
			}
		}
		return []string{strings.Join(values, "\x00")}
	}
}

// handle registers chain for GET and POST on path and path + "/".
func (r *Router) handle(path string, chain ...gin.HandlerFunc) {
	for _, p := range []string{path, path + "/"} {
		r.engine.GET(p, chain...)
		r.engine.POST(p, chain...)
	}
}

// guard keys a verified callback by the digest of what was signed (which
// holds the nonce, and is the same however the signed string is cut into
// URL, body and nonce), plus the route's callback keys.
func (r *Router) guard(scheme, path string, keys []CallbackKeys) gin.HandlerFunc {
	if r.replay == nil {
		return func(c *gin.Context) { c.Next() }
	}
	return guarded(r.replay, r.log, func(cb *Callback) replay.Keys {
		digest := cb.Signed.Digest()
		k := replay.Keys{Signed: replay.Key(scheme, "signed", string(digest[:]))}
		for _, named := range keys {
			for _, v := range named(cb.Form) {
				k.Callback = append(k.Callback, replay.Key(scheme, path, v))
			}
		}
		return k
	})
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
	e.Use(accessLog(log), gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, err any) {
		log.Error("panic in handler", "route", c.FullPath(), "error", err)
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	e.NoRoute(func(c *gin.Context) { abort(c, http.StatusNotFound, "not found") })
	e.NoMethod(func(c *gin.Context) { abort(c, http.StatusMethodNotAllowed, "method not allowed: use GET or POST") })
	return e
}

// accessLog writes one line for every request to a callback route, once it
// is answered: the route, the status, the call or message it was about
// (when verified) and how long it took.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	ids := [][2]string{{"CallUUID", "call_uuid"}, {"MessageUUID", "message_uuid"}, {"CallSid", "call_sid"}, {"MessageSid", "message_sid"}}
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "/healthz" || route == "/readyz" {
			return
		}
		attrs := make([]slog.Attr, 0, 6)
		attrs = append(attrs, slog.String("route", route), slog.String("method", c.Request.Method), slog.Int("status", c.Writer.Status()))
		if cb := CallbackFrom(c); cb != nil {
			for _, id := range ids {
				if v := cb.Form.Get(id[0]); v != "" {
					attrs = append(attrs, slog.String(id[1], v))
				}
			}
		}
		if c.Writer.Header().Get(HeaderDuplicate) != "" {
			attrs = append(attrs, slog.Bool("duplicate", true))
		}
		attrs = append(attrs, slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000))
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "callback answered", attrs...)
	}
}

// ready answers /readyz: 200, or 503 while check fails. Anyone may ask, so
// the answer names the cause and nothing more (no address, no port); the
// details are for the log, which check writes to.
func ready(check func(context.Context) error) gin.HandlerFunc {
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
