// Package handlers is the server's web edge: the route table, the
// middleware that verifies every callback and the one that answers each
// callback once, and the handlers that answer.
//
// To find your way: routes.go lists every route; plivo.go, callflow.go,
// voicemail.go and twilio.go hold the handlers; verify.go checks signatures
// (with the security package), refuse.go answers and logs what fails,
// guard.go stops replays (with the replay package), and engine.go holds the
// Gin engine, the access log and the health checks. A handler is made by a
// function that takes what it needs and returns a gin.HandlerFunc (and an
// error, when it renders a document or checks a setting at start); none
// reads a global. Handlers run only after
// their request was verified, and read it with [CallbackFrom]. Package
// handlertest builds this router for your tests, and signs requests as
// Plivo does.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
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
	SMSReply     string        // the text the SMS routes send back; empty: DefaultSMSReply
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
	// Ready, when set, is what /readyz checks (the shared replay store), at
	// most once per ReadyInterval; /healthz stays a plain liveness check.
	Ready func(context.Context) error
	// Replay, when set, answers each Plivo callback once (see the replay
	// package). Twilio and SignalWire signatures carry no nonce, so it
	// cannot guard their routes.
	Replay *replay.Guard
	Log    *slog.Logger
}

// The paths of the Plivo routes, written once: the table adds them, the
// documents that point at one (the menu's GetInput action, the Record
// action) are built from them, and so is the start-up banner.
const (
	PathSpeak         = "/speak/"
	PathReceiveSMS    = "/receive_sms/"
	PathMessageStatus = "/message_status/"
	PathIVR           = "/ivr/"
	PathIVRChoice     = "/ivr/choice/"
	PathIVRVoicemail  = "/ivr/voicemail/"
	PathHangup        = "/hangup/"
)

// NewRouter builds the application: every route is one line of the table
// below. Add yours with [Router.Voice], [Router.Message] or [Router.TwiML],
// which verify every request before the handler runs, or, for a route with
// nothing to protect, [Router.Unverified]. A maker that renders a document
// or reads a setting returns an error, which stops the server at start.
func NewRouter(o Options) (*Router, error) {
	r, err := newRouter(o)
	if err != nil {
		return nil, err
	}
	var errs []error // each once: the same setting may feed several makers
	made := func(h gin.HandlerFunc, err error) gin.HandlerFunc {
		if err != nil && !slices.ContainsFunc(errs, func(e error) bool { return e.Error() == err.Error() }) {
			errs = append(errs, err)
		}
		return h
	}

	// Plivo's answer URL and message URLs (plivo.go).
	r.Voice(PathSpeak, made(Speak(o.Speak)), BySignature)
	r.Message(PathReceiveSMS, made(ReceiveSMS(o.SMSReply, o.Log)), ByParams("MessageUUID"))
	r.Message(PathMessageStatus, MessageStatus(o.Log), ByParams("MessageUUID", "Status"))

	// A call flow (callflow.go, voicemail.go): the menu is the answer URL,
	// its GetInput action is /ivr/choice/, option 3 records a voicemail,
	// and Plivo sends one hangup per call.
	r.Voice(PathIVR, IVRMenu(), BySignature)
	r.Voice(PathIVRChoice, IVRChoice(o.IVRTransferNumber, o.Log), BySignature)
	r.Voice(PathIVRVoicemail, made(IVRVoicemail(o.Setting, o.Log)), BySignature)
	r.Voice(PathHangup, Hangup(o.Log), ByParams("CallUUID")) // a retry has a fresh nonce: name the call

	// Twilio and SignalWire (twilio.go), each when its secret is set.
	if r.twilio != nil || r.signalWire != nil {
		say, sms := made(TwiMLSay(o.Speak)), made(TwilioSMS(o.SMSReply, o.Log))
		r.TwiML("/twilio/voice", r.twilio, say)
		r.TwiML("/twilio/sms", r.twilio, sms)
		r.TwiML("/signalwire/voice", r.signalWire, say)
		r.TwiML("/signalwire/sms", r.signalWire, sms)
	}

	// For your load balancer, with nothing to protect (engine.go).
	r.Unverified("/healthz", Healthz())
	r.Unverified("/readyz", Ready(o.Ready, o.Log))
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// Router is the application: its routes, each verified before it runs
// unless it was added with [Router.Unverified].
type Router struct {
	engine     *gin.Engine // add routes with the methods below, never here: they would not be verified
	verify     *verification
	v3         *security.PlivoV3
	v2         *security.PlivoV2
	twilio     security.Verifier // nil when no Twilio token is set
	signalWire security.Verifier // nil when no SignalWire key is set
	replay     *replay.Guard
	log        *slog.Logger
	routes     []Route // in the order added
}

// Route is one route of a Router, as [Router.Routes] lists it.
type Route struct {
	// Path is the path as added: for a verified route without its
	// trailing slash, since it answers both spellings; for an Unverified
	// one as given, the only spelling it answers.
	Path string
	// Verifier names what verifies it: "plivo-v3", "plivo-v2", "twilio",
	// "signalwire", or "" for a route added with Unverified.
	Verifier string
	// Guarded says the replay guard answers each callback once, when the
	// server has one (Voice and Message routes); Callback says what names
	// one callback.
	Guarded  bool
	Callback CallbackID
}

// Routes lists the routes, in the order they were added: for the start-up
// checks and the tests, which read the table rather than a second list.
func (r *Router) Routes() []Route { return slices.Clone(r.routes) }

// newRouter is a Router with its verifiers and no route.
func newRouter(o Options) (*Router, error) {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	r := &Router{engine: newEngine(o.Log), replay: o.Replay, log: o.Log,
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
// URL): every request is verified with X-Plivo-Signature-V3 before h runs.
// With a replay guard (Options.Replay), h runs at most once per signature,
// and once a callback (as id names it) is answered, a retry of it under a
// fresh signature gets that answer without h running; a handling that fails
// (5xx, panic) lets the retry run h. A path that is not a plain path, or
// one added twice, panics, as http.ServeMux does with a bad pattern.
func (r *Router) Voice(path string, h gin.HandlerFunc, id CallbackID) {
	r.add(Route{Path: path, Verifier: "plivo-v3", Guarded: true, Callback: id}, r.verify.plivo(r.v3), r.once("plivo-v3", path, id), h)
}

// Message adds a Plivo message callback route (a message URL or a message
// status URL): every request is verified with X-Plivo-Signature-V2 before h
// runs. With a replay guard, h runs as for Voice: at most once per
// signature, and not again for a callback answered. V2 signs no body, so id
// should name what makes a callback distinct (its MessageUUID, and its
// Status for a status callback): a retry with a fresh nonce is then
// answered once too. A bad path panics, as in Voice.
//
// Plivo's pages disagree on which signature a message URL gets: the
// messaging pages (https://docs.plivo.com/docs/messaging/concepts/signature-validation,
// https://docs.plivo.com/docs/messaging/xml/request) say V2, while the voice
// validation page (https://docs.plivo.com/docs/voice/xml/request/validation)
// lists "url (message callback), message_url" among the V3 URIs. Message
// follows the messaging pages, as the mission does: V2 only. A message URL
// that Plivo signs with V3 alone is refused 403 with "no signature header".
func (r *Router) Message(path string, h gin.HandlerFunc, id CallbackID) {
	r.add(Route{Path: path, Verifier: "plivo-v2", Guarded: true, Callback: id}, r.verify.plivo(r.v2), r.once("plivo-v2", path, id), h)
}

// TwiML adds a Twilio or SignalWire webhook route (their webhooks answer
// TwiML, or SignalWire's LaML), verified with v before h runs; nothing is
// added when v is nil (its secret is not set). Their signatures carry no
// nonce, so a retry cannot be told from a replay: no replay guard, and h
// runs for every verified request. A bad path panics, as in Voice.
func (r *Router) TwiML(path string, v security.Verifier, h gin.HandlerFunc) {
	if v != nil {
		r.add(Route{Path: path, Verifier: verifierName(v)}, r.verify.twiML(v), h)
	}
}

// verifierName names a TwiML route's verifier in Routes.
func verifierName(v security.Verifier) string {
	switch v.(type) {
	case *security.Twilio:
		return "twilio"
	case *security.SignalWire:
		return "signalwire"
	}
	return fmt.Sprintf("%T", v)
}

// Unverified adds a GET route that anyone may call, unverified: for health
// checks and nothing a provider calls. A bad path panics, as in Voice.
func (r *Router) Unverified(path string, h gin.HandlerFunc) {
	r.reserve(Route{Path: path})
	r.engine.GET(path, h)
}

// add adds chain for GET and POST on the route's path, with and without its
// trailing slash (either spelling may be given): the router never
// redirects, since a redirect would change the URL the provider signed.
func (r *Router) add(route Route, chain ...gin.HandlerFunc) {
	r.reserve(route)
	route.Path = strings.TrimSuffix(route.Path, "/")
	r.routes[len(r.routes)-1] = route
	for _, p := range []string{route.Path, route.Path + "/"} {
		r.engine.GET(p, chain...)
		r.engine.POST(p, chain...)
	}
}

// reserve records route, or panics when its path cannot be added: a path
// is the program's own, so a bad one is a bug to fix before start. Two
// spellings of a path that differ by a trailing slash are one path.
func (r *Router) reserve(route Route) {
	path, bare := route.Path, strings.TrimSuffix(route.Path, "/")
	switch {
	case !strings.HasPrefix(bare, "/") || strings.ContainsAny(path, ":*?#") || strings.Contains(path, "//"):
		panic(fmt.Sprintf("handlers: route %q: write a plain path that starts with /, such as \"/ivr/menu\"", path))
	case slices.ContainsFunc(r.routes, func(o Route) bool { return strings.TrimSuffix(o.Path, "/") == bare }):
		panic(fmt.Sprintf("handlers: route %q is added twice: remove one of the two", path))
	}
	r.routes = append(r.routes, route)
}
