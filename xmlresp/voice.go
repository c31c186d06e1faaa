package xmlresp

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Play is Plivo's <Play>: an audio file played to the caller
// (https://www.plivo.com/docs/voice/xml/audio-output#play).
type Play struct {
	URL  string // absolute https URL of an mp3 or wav file ("Audio must be served over HTTPS"). Required.
	Loop *int   // times to play it; 0 repeats until the call ends. Nil: once.
}

// Element implements [Verb].
func (p Play) Element() (*etree.Element, error) {
	if err := checkHTTPS("Play", p.URL); err != nil {
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

// Wait is Plivo's <Wait>: a pause of Length seconds; first in a document, it
// delays answering the call (https://www.plivo.com/docs/voice/xml/wait).
type Wait struct {
	Length int // seconds, at least 1. Required.
	// Silence True ends the wait early once MinSilence ms pass without
	// sound; Unset leaves Plivo's default (false).
	Silence    Bool
	MinSilence int  // milliseconds of silence that end it, at least 1; 0 leaves Plivo's default (2000)
	Beep       Bool // True waits for a voicemail machine's beep; Unset leaves Plivo's default (false)
}

// Element implements [Verb].
func (w Wait) Element() (*etree.Element, error) {
	if w.Length < 1 {
		return nil, fmt.Errorf("Wait length %d: use at least 1 second", w.Length)
	}
	if w.MinSilence < 0 {
		return nil, fmt.Errorf("Wait minSilence %d: use at least 1 millisecond", w.MinSilence)
	}
	if err := checkBools("Wait", w.Silence, w.Beep); err != nil {
		return nil, err
	}
	el := etree.NewElement("Wait")
	return el, attrs(el, "length", strconv.Itoa(w.Length), "silence", w.Silence.attr(),
		"minSilence", optional(w.MinSilence), "beep", w.Beep.attr())
}

// DTMF is Plivo's <DTMF>: it sends Digits as tones on the call
// (https://www.plivo.com/docs/voice/xml/audio-output#dtmf).
type DTMF struct {
	Digits string // 0-9, *, #, and w or W to wait 0.5 s or 1 s. Required.
	// Async False waits for the tones to be sent before the next element;
	// Unset leaves Plivo's default (true: send them while it runs).
	Async Bool
}

var dtmfDigits = regexp.MustCompile(`^[0-9*#wW]+$`)

// Element implements [Verb].
func (d DTMF) Element() (*etree.Element, error) {
	if !dtmfDigits.MatchString(d.Digits) {
		return nil, fmt.Errorf("DTMF digits %q: use 0-9, *, #, w (wait 0.5 s) and W (wait 1 s)", d.Digits)
	}
	if err := checkBools("DTMF", d.Async); err != nil {
		return nil, err
	}
	el, err := textElement("DTMF", d.Digits)
	if err != nil {
		return nil, err
	}
	return el, attrs(el, "async", d.Async.attr())
}

// Redirect is Plivo's <Redirect>: the call continues with the XML that URL
// answers (https://www.plivo.com/docs/voice/xml/routing#redirect).
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

// Hangup is Plivo's <Hangup>: the call ends
// (https://www.plivo.com/docs/voice/xml/routing#hangup).
type Hangup struct {
	// Reason is empty, or "rejected" or "busy": the caller hears a rejection
	// tone or a busy signal.
	Reason string
	// Schedule, when at least 1, hangs up that many seconds later while the
	// elements after it run; 0 hangs up now.
	Schedule int
}

// Element implements [Verb].
func (h Hangup) Element() (*etree.Element, error) {
	switch h.Reason {
	case "", "rejected", "busy":
	default:
		return nil, fmt.Errorf("Hangup reason %q: use rejected or busy", h.Reason)
	}
	if h.Schedule < 0 {
		return nil, fmt.Errorf("Hangup schedule %d: use at least 1 second, or 0 to hang up now", h.Schedule)
	}
	el := etree.NewElement("Hangup")
	return el, attrs(el, "reason", h.Reason, "schedule", optional(h.Schedule))
}

// PreAnswer is Plivo's <PreAnswer>: its verbs run before the call is
// answered, and are not billed. "Only Speak, Play, and Wait elements are
// allowed" (https://www.plivo.com/docs/voice/xml/routing#preanswer).
type PreAnswer struct {
	Verbs []Verb // Speak, Play and Wait
}

// Element implements [Verb].
func (p PreAnswer) Element() (*etree.Element, error) {
	el := etree.NewElement("PreAnswer")
	return el, nest(el, "PreAnswer", p.Verbs, func(v Verb) bool {
		switch v.(type) {
		case Speak, Play, Wait:
			return true
		}
		return false
	})
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

// checkHTTPS checks the absolute https URL of an audio file, which Plivo
// requires ("Audio must be served over HTTPS",
// https://www.plivo.com/docs/voice/xml/audio-output#play).
func checkHTTPS(what, rawURL string) error {
	if rawURL == "" {
		return fmt.Errorf("%s needs a URL", what)
	}
	if u, err := url.Parse(rawURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%s URL %q: use an absolute https URL (Plivo plays audio over HTTPS only)", what, rawURL)
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

// checkAtLeast checks n >= lo, where 0 means absent.
func checkAtLeast(what string, n, lo int) error {
	if n != 0 && n < lo {
		return fmt.Errorf("%s %d: use at least %d", what, n, lo)
	}
	return nil
}

// checkFinishOnKey checks a finishOnKey: one of 0-9, * and #, or "none"
// (no key ends the input); empty leaves Plivo's default (#).
func checkFinishOnKey(verb, key string) error {
	if key == "" || key == "none" || len(key) == 1 && strings.Contains("0123456789*#", key) {
		return nil
	}
	return fmt.Errorf("%s finishOnKey %q: use one of 0-9, * and #, or none", verb, key)
}

// optional is n as an attribute value, or "" (absent) for 0.
func optional(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
