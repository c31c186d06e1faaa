package xmlresp

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Play is Plivo's <Play>: an audio file played to the caller.
type Play struct {
	URL  string // absolute http or https URL of an mp3 or wav file. Required.
	Loop *int   // times to play it; 0 repeats until the call ends. Nil: once.
}

// Element implements [Verb].
func (p Play) Element() (*etree.Element, error) {
	if err := checkURL("Play", p.URL, true); err != nil {
		return nil, err
	}
	loop, err := loopAttr("Play", p.Loop)
	if err != nil {
		return nil, err
	}
	el, err := textElement("Play", p.URL)
	if err != nil {
		return nil, err
	}
	return el, attrs(el, "loop", loop)
}

// Wait is Plivo's <Wait>: silence for Length seconds.
type Wait struct {
	Length int // seconds, at least 1
}

// Element implements [Verb].
func (w Wait) Element() (*etree.Element, error) {
	if w.Length < 1 {
		return nil, fmt.Errorf("Wait length %d: use at least 1 second", w.Length)
	}
	el := etree.NewElement("Wait")
	return el, attrs(el, "length", strconv.Itoa(w.Length))
}

// Redirect is Plivo's <Redirect>: the call continues with the XML that URL
// answers.
type Redirect struct {
	URL    string // absolute http or https URL. Required.
	Method string // GET or POST; empty leaves Plivo's default (POST)
}

// Element implements [Verb].
func (r Redirect) Element() (*etree.Element, error) {
	if err := checkURL("Redirect", r.URL, true); err != nil {
		return nil, err
	}
	if err := checkMethod("Redirect", r.Method); err != nil {
		return nil, err
	}
	el, err := textElement("Redirect", r.URL)
	if err != nil {
		return nil, err
	}
	return el, attrs(el, "method", r.Method)
}

// Hangup is Plivo's <Hangup>: the call ends.
type Hangup struct {
	Reason string // empty, or "rejected" or "busy" for a call not yet answered
}

// Element implements [Verb].
func (h Hangup) Element() (*etree.Element, error) {
	switch h.Reason {
	case "", "rejected", "busy":
	default:
		return nil, fmt.Errorf("Hangup reason %q: use rejected or busy", h.Reason)
	}
	el := etree.NewElement("Hangup")
	return el, attrs(el, "reason", h.Reason)
}

// GetInput is Plivo's <GetInput>: it plays Prompt and collects the
// caller's digits (or speech), then requests Action with them (Digits, or
// Speech). Only Speak, Play and Wait may be nested.
type GetInput struct {
	Action           string // absolute http or https URL that receives the input. Required.
	Method           string // GET or POST; empty leaves Plivo's default (POST)
	InputType        string // dtmf, speech, or "dtmf speech". Required.
	ExecutionTimeout int    // seconds to wait for input, 5 to 60; 0 leaves Plivo's default (15)
	DigitEndTimeout  int    // seconds between digits, 2 to 10; 0 leaves Plivo's default (auto)
	NumDigits        int    // digits to collect, 1 to 32; 0 leaves Plivo's default (32)
	Language         string // speech language such as en-US
	// Redirect, when true, makes Plivo continue with Action's answer.
	Redirect bool
	Prompt   []Verb // Speak, Play and Wait, played while waiting
}

// Element implements [Verb].
func (g GetInput) Element() (*etree.Element, error) {
	if err := checkURL("GetInput action", g.Action, true); err != nil {
		return nil, err
	}
	if err := checkMethod("GetInput", g.Method); err != nil {
		return nil, err
	}
	switch g.InputType {
	case "dtmf", "speech", "dtmf speech":
	default:
		return nil, fmt.Errorf("GetInput inputType %q: use dtmf, speech or \"dtmf speech\"", g.InputType)
	}
	if err := checkRange("GetInput executionTimeout", g.ExecutionTimeout, 5, 60); err != nil {
		return nil, err
	}
	if err := checkRange("GetInput digitEndTimeout", g.DigitEndTimeout, 2, 10); err != nil {
		return nil, err
	}
	if err := checkRange("GetInput numDigits", g.NumDigits, 1, 32); err != nil {
		return nil, err
	}
	if g.Language != "" && !language.MatchString(g.Language) {
		return nil, fmt.Errorf("GetInput language %q: use a code such as en-US", g.Language)
	}
	el := etree.NewElement("GetInput")
	redirect := ""
	if g.Redirect {
		redirect = "true"
	}
	err := attrs(el, "action", g.Action, "method", g.Method, "inputType", g.InputType,
		"executionTimeout", optional(g.ExecutionTimeout), "digitEndTimeout", optional(g.DigitEndTimeout),
		"numDigits", optional(g.NumDigits), "language", g.Language, "redirect", redirect)
	if err != nil {
		return nil, err
	}
	return el, nest(el, "GetInput", g.Prompt, func(v Verb) bool {
		switch v.(type) {
		case Speak, Play, Wait:
			return true
		}
		return false
	})
}

// Dial is Plivo's <Dial>: the caller is connected to the first of its
// numbers or SIP users who answers.
type Dial struct {
	CallerID string // the number the callee sees, a number of yours; empty: the caller's
	Timeout  int    // seconds to ring, at least 1; 0 leaves Plivo's default
	Action   string // absolute URL told how the dial ended; optional
	Method   string // GET or POST, for Action
	Targets  []Verb // Number and User, at least one
}

// Number is a phone number to dial, nested in [Dial].
type Number struct {
	Digits string // E.164 without spaces, such as 14155550100 or +14155550100
}

// User is a SIP endpoint to dial, nested in [Dial].
type User struct {
	SIP string // a SIP URI such as sip:alice@phone.plivo.com
}

var phoneNumber = regexp.MustCompile(`^\+?[0-9]{2,15}$`)

// Element implements [Verb].
func (d Dial) Element() (*etree.Element, error) {
	if d.CallerID != "" && !phoneNumber.MatchString(d.CallerID) {
		return nil, fmt.Errorf("Dial callerId %q: use a number such as 14155550100", d.CallerID)
	}
	if d.Timeout < 0 {
		return nil, fmt.Errorf("Dial timeout %d: use at least 1 second", d.Timeout)
	}
	if err := checkURL("Dial action", d.Action, false); err != nil {
		return nil, err
	}
	if err := checkMethod("Dial", d.Method); err != nil {
		return nil, err
	}
	if len(d.Targets) == 0 {
		return nil, fmt.Errorf("Dial needs a Number or a User")
	}
	el := etree.NewElement("Dial")
	if err := attrs(el, "action", d.Action, "method", d.Method, "timeout", optional(d.Timeout), "callerId", d.CallerID); err != nil {
		return nil, err
	}
	return el, nest(el, "Dial", d.Targets, func(v Verb) bool {
		switch v.(type) {
		case Number, User:
			return true
		}
		return false
	})
}

// Element implements [Verb].
func (n Number) Element() (*etree.Element, error) {
	if !phoneNumber.MatchString(n.Digits) {
		return nil, fmt.Errorf("Number %q: use a number such as 14155550100", n.Digits)
	}
	return textElement("Number", n.Digits)
}

// Element implements [Verb].
func (u User) Element() (*etree.Element, error) {
	if !strings.HasPrefix(u.SIP, "sip:") || strings.ContainsAny(u.SIP, " \t\r\n<>") {
		return nil, fmt.Errorf("User %q: use a SIP URI such as sip:alice@phone.plivo.com", u.SIP)
	}
	return textElement("User", u.SIP)
}

// nest adds children to el, each one that allowed accepts.
func nest(el *etree.Element, parent string, children []Verb, allowed func(Verb) bool) error {
	for _, v := range children {
		if !allowed(v) {
			return fmt.Errorf("%T cannot be nested in %s", v, parent)
		}
		child, err := v.Element()
		if err != nil {
			return err
		}
		el.AddChild(child)
	}
	return nil
}

// checkURL checks an absolute http or https URL, which may be absent unless required.
func checkURL(what, rawURL string, required bool) error {
	if rawURL == "" {
		if required {
			return fmt.Errorf("%s needs a URL", what)
		}
		return nil
	}
	if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s URL %q: use an absolute http or https URL", what, rawURL)
	}
	return nil
}

func checkMethod(verb, method string) error {
	switch method {
	case "", "GET", "POST":
		return nil
	}
	return fmt.Errorf("%s method %q: use GET or POST", verb, method)
}

func checkRange(what string, n, lo, hi int) error {
	if n != 0 && (n < lo || n > hi) {
		return fmt.Errorf("%s %d: use %d to %d", what, n, lo, hi)
	}
	return nil
}

// optional is n as an attribute value, or "" (absent) for 0.
func optional(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
