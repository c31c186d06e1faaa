// Package handlers is the web edge of answerurl: the route table, the
// middleware that verifies every callback and the one that answers each
// callback once, and the handlers that answer.
//
// To find your way: routes.go lists every route; plivo.go, callflow.go,
// voicemail.go and twilio.go hold the handlers; verify.go checks signatures
// (with the security package), refuse.go answers and logs what fails, and
// guard.go stops replays (with the replay package). A handler is built by a function that takes what it needs and
// returns a gin.HandlerFunc; none reads a global. Handlers run only after
// their request was verified, and read it with [CallbackFrom].
package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

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
	// Setting reads a setting of your own routes, the way the server reads
	// its own (the environment, then .env); nil reads nothing.
	Setting func(name string) string
	// Ready, when set, is what /readyz checks (the shared replay store);
	// /healthz stays a plain liveness check.
	Ready func(context.Context) error
	// Replay, when set, answers each Plivo callback once (see the replay
	// package). Twilio and SignalWire signatures carry no nonce, so it
	// cannot guard their routes.
	Replay *replay.Guard
	Log    *slog.Logger
}

// NewRouter builds the application. Every route is in the table below:
// add yours with [Router.Voice], [Router.Message] or [Router.TwiML], which
// verify every request before the handler runs, or, for a route with
// nothing to protect, [Router.Public].
func NewRouter(o Options) (*Router, error) {
	r, err := newRouter(o)
	if err != nil {
		return nil, err
	}
	speakXML, err := xmlresp.Render(o.Speak)
	if err != nil {
		return nil, err
	}
	setting := func(name string) string { return "" }
	if o.Setting != nil {
		setting = o.Setting
	}
	voicemail, err := IVRVoicemail(setting("VOICEMAIL_THANKS"), o.Log) // a route's own setting (voicemail.go)
	if err != nil {
		return nil, err
	}

	// Plivo's answer URL and message URLs (plivo.go).
	r.Voice("/speak", StaticXML(speakXML))
	r.Message("/receive_sms", ReceiveSMS(o.SMSReply, o.Log), ByParams("MessageUUID"))
	r.Message("/message_status", MessageStatus(o.Log), ByParams("MessageUUID", "Status"))

	// A call flow (callflow.go, voicemail.go): the menu is the answer URL,
	// its GetInput action is /ivr/choice/, option 3 records a voicemail,
	// and Plivo sends one hangup per call.
	r.Voice("/ivr", IVRMenu())
	r.Voice("/ivr/choice", IVRChoice(o.IVRTransferNumber, o.Log))
	r.Voice("/ivr/voicemail", voicemail)
	r.Voice("/hangup", Hangup(o.Log), ByParams("CallUUID"))

	// Twilio and SignalWire (twilio.go), each when its secret is set.
	if r.twilio != nil || r.signalWire != nil {
		sayXML, err := xmlresp.Render(xmlresp.Say{Text: o.Speak.Text, Language: o.Speak.Language, Loop: o.Speak.Loop})
		if err != nil {
			return nil, err
		}
		r.TwiML("/twilio/voice", r.twilio, StaticXML(sayXML))
		r.TwiML("/twilio/sms", r.twilio, TwilioSMS(o.SMSReply, o.Log))
		r.TwiML("/signalwire/voice", r.signalWire, StaticXML(sayXML))
		r.TwiML("/signalwire/sms", r.signalWire, TwilioSMS(o.SMSReply, o.Log))
	}

	// For your load balancer, with nothing to protect (engine.go).
	r.Public("/healthz", Healthz())
	r.Public("/readyz", Ready(o.Ready))
	return r, r.err
}

// Router is the application: its routes, each verified before it runs
// unless it was added with [Router.Public].
type Router struct {
	engine     *gin.Engine // add routes with the methods below, never here: they would not be verified
	verify     *verification
	v3         *security.PlivoV3
	v2         *security.PlivoV2
	twilio     security.Verifier // nil when no Twilio token is set
	signalWire security.Verifier // nil when no SignalWire key is set
	replay     *replay.Guard
	log        *slog.Logger
	public     map[string]bool // the paths added with Public
	paths      map[string]bool // every path added, to refuse a second one
	err        error           // the first route that could not be added
}

// newRouter is a Router with its verifiers and no route.
func newRouter(o Options) (*Router, error) {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	r := &Router{engine: newEngine(o.Log), replay: o.Replay, log: o.Log, public: map[string]bool{}, paths: map[string]bool{},
		verify: &verification{publicURL: o.PublicURL, maxBody: o.MaxBodyBytes, log: o.Log, detailed: &rateLimit{n: 5}}}
	var err error
	if r.v3, err = security.NewPlivoV3(o.Plivo); err != nil {
		return nil, err
	}
	if r.v2, err = security.NewPlivoV2(o.Plivo); err != nil {
		return nil, err
	}
	if len(o.TwilioAuthTokens) > 0 {
		if r.twilio, err = security.NewTwilio(o.TwilioAuthTokens...); err != nil {
			return nil, err
		}
	}
	if len(o.SignalWireSigningKeys) > 0 {
		if r.signalWire, err = security.NewSignalWire(o.SignalWireSigningKeys...); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// ServeHTTP implements http.Handler.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) { r.engine.ServeHTTP(w, req) }

// Voice adds a Plivo voice callback route (an answer, action or hangup
// URL): every request is verified with X-Plivo-Signature-V3 before h runs,
// and h runs once per signature. keys, when given, name what makes a
// callback distinct beyond its signature (a hangup's CallUUID), so that a
// retry under a fresh signature is answered once too.
func (r *Router) Voice(path string, h gin.HandlerFunc, keys ...CallbackKeys) {
	r.add(path, r.verify.plivo(r.v3), r.once("plivo-v3", path, keys), h)
}

// Message adds a Plivo message callback route (a message URL or a message
// status URL): every request is verified with X-Plivo-Signature-V2 before h
// runs, and h runs once per callback. V2 signs no body, so keys name what
// makes a callback distinct (its MessageUUID, and its Status for a status
// callback): a retry with a fresh nonce is then answered once too.
func (r *Router) Message(path string, h gin.HandlerFunc, keys ...CallbackKeys) {
	r.add(path, r.verify.plivo(r.v2), r.once("plivo-v2", path, keys), h)
}

// TwiML adds a Twilio or SignalWire webhook route (their webhooks answer
// TwiML, or SignalWire's LaML), verified with v before h runs; nothing is
// added when v is nil (its secret is not set). Their signatures carry no
// nonce, so a retry cannot be told from a replay: no replay guard.
func (r *Router) TwiML(path string, v security.Verifier, h gin.HandlerFunc) {
	if v != nil {
		r.add(path, r.verify.twiML(v), h)
	}
}

// Public adds a GET route that anyone may call, unverified: for health
// checks and nothing a provider calls.
func (r *Router) Public(path string, h gin.HandlerFunc) {
	if r.claim(path) {
		r.public[path] = true
		r.engine.GET(path, h)
	}
}

// add adds chain for GET and POST on path, with and without its trailing
// slash (either spelling may be given): the router never redirects, since
// a redirect would change the URL the provider signed.
func (r *Router) add(path string, chain ...gin.HandlerFunc) {
	path = strings.TrimSuffix(path, "/")
	if !r.claim(path) {
		return
	}
	for _, p := range []string{path, path + "/"} {
		r.engine.GET(p, chain...)
		r.engine.POST(p, chain...)
	}
}

// claim checks that path can be added, and keeps the first reason it
// cannot for NewRouter to return.
func (r *Router) claim(path string) bool {
	var err error
	switch {
	case !strings.HasPrefix(path, "/") || strings.ContainsAny(path, ":*?#"):
		err = fmt.Errorf("route %q: write a plain path that starts with /, such as \"/ivr/menu\"", path)
	case r.paths[path]:
		err = fmt.Errorf("route %q is added twice: remove one of them from NewRouter", path)
	}
	if err != nil {
		if r.err == nil {
			r.err = err
		}
		return false
	}
	r.paths[path] = true
	return true
}
