// Package callsim plays a Plivo inbound call against your server, the way
// net/http/httptest plays a request: it requests the answer URL with the
// parameters Plivo sends, executes the XML that comes back as Plivo does
// (Speak, Play, Wait, GetInput, Redirect, Dial, Record, Hangup), presses the
// digits you script, and ends with the hangup callback. Every request is
// signed with X-Plivo-Signature-V3 and a fresh nonce, so the server verifies
// it for real.
//
// A test reads what the caller heard ([Result.Said]), what was dialled, and
// every request and answer:
//
//	res, err := callsim.Call{Handler: router, Token: token,
//		AnswerURL: "http://example.com/ivr/", Digits: []string{"1"}}.Run(ctx)
package callsim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
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
	HangupURL    string // optional: the application's hangup URL
	Token        string // the auth token every request is signed with

	From, To string // the caller's number and yours; empty: example numbers

	// Digits are the caller's input, one entry per GetInput: "" is no input
	// (the GetInput times out). When they run out at a GetInput, Input is
	// asked; without Input, the caller hangs up.
	Digits []string
	// Input, when set, is asked for the digits of a GetInput once Digits
	// are used up; ok false hangs up.
	Input func(prompt string) (digits string, ok bool)

	// DialStatus is how every Dial ends: completed (the default), busy,
	// failed, timeout or no-answer.
	DialStatus string
	// MaxRequests bounds the call, as a caller would hang up on a loop;
	// zero: 25.
	MaxRequests int
	// Transcript, when set, receives each line of the transcript as it happens.
	Transcript io.Writer
}

// Result is what happened during a call.
type Result struct {
	CallUUID string
	Said     []string   // the text of each Speak, in order
	Played   []string   // the URL of each Play
	Dialled  []string   // each Number and User dialled
	Requests []Exchange // every request sent, and its answer
	Lines    []string   // the transcript
}

// Exchange is one request to the server and its answer.
type Exchange struct {
	Method string
	URL    string     // with the query string, for a GET
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
)

// RefusedError is a callback that the server answered with a non-2xx status.
type RefusedError struct {
	Method, URL string
	Status      int
	Reason      string // the start of the body the server sent
}

// Error says which request was refused, with the status and the reason.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("callsim: %s %s was refused: %d %s: %s", e.Method, e.URL, e.Status, http.StatusText(e.Status), e.Reason)
}

// Run plays the call to its end and returns what happened. On an error
// (a refused callback, XML that does not parse, a verb it cannot simulate,
// too many requests) the call ends there, as Plivo would end it: the hangup
// URL is still told, and the Result holds everything up to the error.
func (c Call) Run(ctx context.Context) (*Result, error) {
	if c.AnswerURL == "" {
		return nil, errors.New("callsim: AnswerURL is required")
	}
	s := &session{Call: c, ctx: ctx, res: &Result{CallUUID: newUUID()}}
	if s.From == "" {
		s.From = "14155550100"
	}
	if s.To == "" {
		s.To = "14155550111"
	}
	if s.MaxRequests <= 0 {
		s.MaxRequests = 25
	}
	if s.DialStatus == "" {
		s.DialStatus = "completed"
	}
	if _, ok := dialHangupCause[s.DialStatus]; !ok {
		return nil, fmt.Errorf("callsim: DialStatus %q: use completed, busy, failed, timeout or no-answer", s.DialStatus)
	}
	end, err := s.play()
	if s.HangupURL != "" {
		s.ending = true // the hangup callback is sent whatever the count
		if _, herr := s.request("POST", s.HangupURL, s.hangupParams(end)); err == nil {
			err = herr
		}
	}
	return s.res, err
}

// session is one call in progress.
type session struct {
	Call
	ctx     context.Context
	res     *Result
	seconds int // the call's simulated duration
	used    int // Digits used
	ending  bool
}

// play requests the answer URL and executes documents until the call ends.
func (s *session) play() (hangup, error) {
	method := s.AnswerMethod
	if method == "" {
		method = "POST"
	}
	doc, err := s.fetch(method, s.AnswerURL, s.params("ringing"))
	for err == nil {
		var next *document
		var end *hangup
		next, end, err = s.execute(doc)
		if end != nil {
			return *end, err
		}
		doc = next
	}
	return hangupError, err
}

// fetch requests url and parses the answer as a Plivo XML document.
func (s *session) fetch(method, rawURL string, params url.Values) (*document, error) {
	body, err := s.request(method, rawURL, params)
	if err != nil {
		return nil, err
	}
	doc, err := parse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s answered: %w", ErrBadXML, method, rawURL, err)
	}
	return doc, nil
}

// say adds a line to the transcript.
func (s *session) say(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	s.res.Lines = append(s.res.Lines, line)
	if s.Transcript != nil {
		fmt.Fprintln(s.Transcript, line)
	}
}

// newUUID is a random version 4 UUID, as Plivo's CallUUIDs are.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// clip is the first line of s, at most n bytes.
func clip(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
