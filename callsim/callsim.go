// Package callsim plays a Plivo inbound call against your server, the way
// net/http/httptest plays a request: it requests the answer URL with the
// parameters Plivo sends, executes the XML that comes back as Plivo's pages
// document it (Speak, Play, Wait, GetInput, GetDigits, PreAnswer, Redirect,
// Dial, Record, Hangup, DTMF), plays the caller you script, and ends with the
// hangup callback. Every request is signed with X-Plivo-Signature-V3 and a
// fresh nonce, so the server verifies it for real.
//
// FIDELITY.md, beside this file, lists each verb, attribute, parameter and
// ending: what Plivo documents (the page), what the simulator does, and the
// test that shows it. Where Plivo's pages say nothing, the simulator takes
// the reading the table names and says so in the transcript.
//
// A test reads what the caller heard ([Result.Said]), what was dialled, how
// the call ended, and every request and answer:
//
//	res, err := callsim.Call{Handler: router, Token: token,
//		AnswerURL: "http://example.com/ivr/", Digits: []string{"1"}}.Run(ctx)
//
// It signs and sends only to the hosts of the answer, hangup and fallback
// URLs and those in AllowHosts: a document that names another host does
// not get a request signed with your token.
package callsim

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"answerurl/internal/callback"
)

// Call describes one simulated inbound call. The zero value of each optional
// field is Plivo's default or a realistic value.
type Call struct {
	// Handler, when set, receives every request in-process; otherwise
	// Client sends them to the URLs.
	Handler http.Handler
	Client  *http.Client // nil: http.DefaultClient

	AnswerURL    string // required: the application's answer URL
	AnswerMethod string // GET or POST; empty: POST
	// HangupURL is told when the call ends; empty: the answer URL, as a
	// Plivo application's hangup_url defaults to its answer_url.
	HangupURL string
	// FallbackURL is requested, with the answer URL's parameters, when the
	// answer URL cannot be reached, does not answer 2xx or answers what is
	// not Plivo XML; empty: none.
	FallbackURL string
	Token       string // the auth token every request is signed with
	// AllowHosts are hosts (host or host:port) besides those of the answer,
	// hangup and fallback URLs that a document may send the call to; any
	// other is refused, unsigned.
	AllowHosts []string

	From, To string // the caller's number and yours; empty: example numbers

	// Digits are the caller's input, one entry per GetInput or GetDigits:
	// keys ("12#"), "" for none (the input times out), or "speech:words"
	// for words spoken. When they run out, Input is asked; without Input,
	// the caller hangs up.
	Digits []string
	// Input, when set, is asked for the next entry once Digits are used up;
	// ok false hangs up.
	Input func(prompt string) (entry string, ok bool)

	// DialStatus is how every Dial ends: completed (the default), busy,
	// failed, timeout or no-answer.
	DialStatus string
	// RecordLength is how long the caller speaks at a Record before
	// pressing its finishOnKey; zero: 7s. maxLength still bounds it.
	RecordLength time.Duration
	// HangupAfter, when set, makes the caller hang up once the call has
	// lasted this long (in a Record, a Wait, a loop, a Dial). An endless
	// loop (loop="0") without it ends after a minute.
	HangupAfter time.Duration
	// MaxRequests bounds the call, as a caller would hang up on a loop;
	// zero: 25.
	MaxRequests int
	// Transcript, when set, receives each line of the transcript as it happens.
	Transcript io.Writer
}

// Result is what happened during a call.
type Result struct {
	CallUUID string
	Said     []string   // the words of each Speak, in order, one entry per loop
	Played   []string   // the URL of each Play, one entry per loop
	Dialled  []string   // each Number and User dialled
	Digits   []string   // the digits of each DTMF element sent
	Requests []Exchange // every request sent, and its answer
	Lines    []string   // the transcript
	// Hangup is how the call ended, as the hangup callback reported it.
	Hangup Hangup
}

// Exchange is one request to the server and its answer.
type Exchange struct {
	Method string
	URL    string     // as sent: with the query string for a GET, never a #fragment
	Params url.Values // the parameters sent (in the query for a GET, else the body)
	Status int
	Body   string
}

// Errors that end a call. They are wrapped with the details; compare with
// errors.Is, or errors.As for a *RefusedError.
var (
	ErrUnsupported = errors.New("callsim: verb cannot be simulated")
	ErrBadXML      = errors.New("callsim: the answer is not Plivo XML")
	ErrTooLong     = errors.New("callsim: too many requests in one call")
	ErrHost        = errors.New("callsim: refused to sign for a host that is not the answer URL's")
)

// RefusedError is a callback that the server answered with a non-2xx status.
type RefusedError struct {
	Method, URL string
	Status      int
	Reason      string // the start of the body the server sent, control characters escaped
}

// Error says which request was refused, with the status and the reason,
// quoted: the reason comes from the network.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("callsim: %s %s was refused: %d %s: %s", e.Method, e.URL, e.Status, http.StatusText(e.Status), strconv.Quote(e.Reason))
}

// Run plays the call to its end and returns what happened. On an error
// (a refused callback, XML that does not parse, a verb it cannot simulate,
// too many requests) the call ends there, as Plivo would end it: the hangup
// URL is still told, and the Result holds everything up to the error. A
// refused notification (a Dial's or a Record's callbackUrl) does not change
// the call, as its answer does not on Plivo: Run returns it once the call
// has ended.
func (c Call) Run(ctx context.Context) (*Result, error) {
	if c.AnswerURL == "" {
		return nil, errors.New("callsim: AnswerURL is required")
	}
	c.From = cmp.Or(c.From, "14155550100")
	c.To = cmp.Or(c.To, "14155550111")
	c.MaxRequests = cmp.Or(c.MaxRequests, 25)
	c.DialStatus = cmp.Or(c.DialStatus, "completed")
	c.RecordLength = cmp.Or(c.RecordLength, 7*time.Second)
	c.HangupURL = cmp.Or(c.HangupURL, c.AnswerURL)
	if _, ok := dialHangupCause[c.DialStatus]; !ok {
		return nil, fmt.Errorf("callsim: DialStatus %q: use completed, busy, failed, timeout or no-answer", c.DialStatus)
	}
	s, err := newSession(ctx, c)
	if err != nil {
		return nil, err
	}
	end, err := s.play()
	s.res.Hangup = end
	s.finishRecordings() // within MaxRequests, like every request of the call
	s.ending = true      // the hangup callback is sent whatever the count
	s.say("  (hangup: %s, %d %s)", end.Source, end.Code, end.Name)
	if _, herr := s.request("POST", s.HangupURL, s.hangupParams(end)); err == nil {
		err = herr
	}
	if err == nil {
		err = s.notifyErr
	}
	return s.res, err
}

// session is one call in progress.
type session struct {
	Call
	ctx        context.Context
	res        *Result
	hosts      map[string]bool // where requests may go
	clock      int             // seconds since the call came in
	answerAt   int             // clock at answer; -1 while ringing
	schedule   int             // clock of a <Hangup schedule>; 0: none
	used       int             // Digits used
	ending     bool
	notifyErr  error                 // the first notification that failed
	began      time.Time             // when Run began: the call's arrival
	dialled    [][2]int              // the clock's [start, end] of each answered Dial
	recordings []backgroundRecording // recordSession and startOnDialAnswer
}

func newSession(ctx context.Context, c Call) (*session, error) {
	s := &session{Call: c, ctx: ctx, res: &Result{CallUUID: callback.NewUUID()}, answerAt: -1, hosts: map[string]bool{}, began: time.Now()}
	for _, raw := range []string{c.AnswerURL, c.HangupURL, c.FallbackURL} {
		if raw == "" {
			continue
		}
		h, err := hostOf(raw)
		if err != nil {
			return nil, fmt.Errorf("callsim: %s: %w", raw, err)
		}
		s.hosts[h] = true
	}
	for _, h := range c.AllowHosts {
		s.hosts[strings.ToLower(h)] = true
	}
	return s, nil
}

// say adds a line to the transcript.
func (s *session) say(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	s.res.Lines = append(s.res.Lines, line)
	if s.Transcript != nil {
		fmt.Fprintln(s.Transcript, line)
	}
}

// note says, in the transcript, a reading the simulator takes where Plivo's
// pages are silent (FIDELITY.md lists each).
func (s *session) note(format string, args ...any) {
	s.say("  (callsim: "+format+")", args...)
}

// clip is the first line of s, at most n bytes, with control characters
// escaped: what a server sent is printed, never obeyed by the terminal.
func clip(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return escape(s)
}

// escape is s with every control character, and every invalid byte, written
// as a Go escape (\x1b, \r, \u2028 …), so that bytes from the network cannot
// drive a terminal.
func escape(s string) string {
	q := strconv.QuoteToGraphic(s)
	q = q[1 : len(q)-1]
	return strings.ReplaceAll(q, `\"`, `"`)
}

// play requests the answer URL and executes documents until the call ends.
func (s *session) play() (Hangup, error) {
	o := s.answer()
	for o.end == nil {
		o = s.execute(o.next)
	}
	return *o.end, o.err
}

// answer requests the answer URL with CallStatus ringing; when it cannot be
// reached, answers non-2xx or answers what is not Plivo XML, the fallback
// answer URL, if given, is requested with the same parameters
// (https://www.plivo.com/docs/account/api/application/create-an-application/:
// "Invoked by Plivo only if answer_url is unavailable or the XML response is
// invalid"), by POST, fallback_method's default; when that fails too, the
// call ends: 7011 Error Reaching Answer URL or 8011 Invalid Answer XML.
func (s *session) answer() outcome {
	method := cmp.Or(s.AnswerMethod, "POST")
	o := s.fetch(method, s.AnswerURL, s.params("ringing"), errAnswerURL, errAnswerURL, badAnswerXML)
	if o.err == nil || s.FallbackURL == "" || errors.Is(o.err, ErrHost) || errors.Is(o.err, ErrTooLong) {
		return o
	}
	s.say("  (the answer URL failed: %v; requesting the fallback answer URL)", o.err)
	return s.fetch("POST", s.FallbackURL, s.params("ringing"), errAnswerURL, errAnswerURL, badAnswerXML)
}
