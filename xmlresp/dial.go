package xmlresp

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Dial is Plivo's <Dial>: the caller is connected to the first of its
// numbers or SIP users who answers (https://www.plivo.com/docs/voice/xml/dial/,
// summed up at https://www.plivo.com/docs/voice/xml/routing#dial).
type Dial struct {
	Action string // absolute URL told how the dial ended; optional
	Method string // GET or POST, for Action; empty leaves Plivo's default (POST)
	// Redirect False makes Plivo only tell Action and go on with the next
	// element; Unset leaves Plivo's default (true: the call continues with
	// Action's answer).
	Redirect       Bool
	CallbackURL    string // absolute URL told of the dial's events as they happen; optional
	CallbackMethod string // GET or POST, for CallbackURL
	Timeout        int    // seconds to ring, at least 1; 0 leaves Plivo's default
	TimeLimit      int    // longest call in seconds, at least 1; 0 leaves Plivo's default (14400)
	CallerID       string // the number the callee sees, a number of yours; empty: the caller's
	CallerName     string // the name the callee sees, at most 50 characters; empty: the caller's
	HangupOnStar   Bool   // True lets the caller press * to hang up on the callee; Unset: false
	// ConfirmSound is an absolute URL whose XML (Play, Speak, Wait) is played
	// to the callee on answer; ConfirmKey is the key the callee then presses
	// to take the call (one of 0-9, * and #).
	ConfirmSound string
	ConfirmKey   string
	// DialMusic is an absolute URL whose XML is played to the caller while
	// the call rings, or "real" for the callee's own ringing.
	DialMusic string
	Targets   []Verb // Number and User, at least one
}

// Number is a phone number to dial, nested in [Dial].
type Number struct {
	Digits string // E.164 without spaces, such as 14155550100 or +14155550100
	// SendDigits are tones sent once the number answers: 0-9, *, #, and w or
	// W to wait 0.5 s or 1 s.
	SendDigits      string
	SendOnPreanswer Bool // True sends them while the call still rings; Unset: false
}

// User is a SIP endpoint to dial, nested in [Dial].
type User struct {
	SIP             string // a SIP URI such as sip:alice@phone.plivo.com
	SendDigits      string // as for [Number]
	SendOnPreanswer Bool   // as for [Number]
}

var phoneNumber = regexp.MustCompile(`^\+?[0-9]{2,15}$`)

// Element implements [Verb].
func (d Dial) Element() (*etree.Element, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	el := etree.NewElement("Dial")
	err := attrs(el, "action", d.Action, "method", d.Method, "redirect", d.Redirect.attr(),
		"callbackUrl", d.CallbackURL, "callbackMethod", d.CallbackMethod, "timeout", optional(d.Timeout),
		"timeLimit", optional(d.TimeLimit), "callerId", d.CallerID, "callerName", d.CallerName,
		"hangupOnStar", d.HangupOnStar.attr(), "confirmSound", d.ConfirmSound, "confirmKey", d.ConfirmKey,
		"dialMusic", d.DialMusic)
	if err != nil {
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

// check checks each attribute against the documented values.
func (d Dial) check() error {
	switch {
	case d.CallerID != "" && !phoneNumber.MatchString(d.CallerID):
		return fmt.Errorf("Dial callerId %q: use a number such as 14155550100", d.CallerID)
	case utf8.RuneCountInString(d.CallerName) > 50:
		return fmt.Errorf("Dial callerName is %d characters: use at most 50", utf8.RuneCountInString(d.CallerName))
	case d.ConfirmKey != "" && (len(d.ConfirmKey) != 1 || !strings.Contains("0123456789*#", d.ConfirmKey)):
		return fmt.Errorf("Dial confirmKey %q: use one of 0-9, * and #", d.ConfirmKey)
	case d.Timeout < 0:
		return fmt.Errorf("Dial timeout %d: use at least 1 second", d.Timeout)
	case d.TimeLimit < 0:
		return fmt.Errorf("Dial timeLimit %d: use at least 1 second", d.TimeLimit)
	case len(d.Targets) == 0:
		return fmt.Errorf("Dial needs a Number or a User")
	}
	dialMusic := d.DialMusic
	if dialMusic == "real" {
		dialMusic = ""
	}
	for _, err := range []error{
		checkURL("Dial action", d.Action, false),
		checkMethod("Dial", d.Method),
		checkCallback("Dial", d.CallbackURL, d.CallbackMethod),
		checkURL("Dial confirmSound", d.ConfirmSound, false),
		checkURL("Dial dialMusic (or real)", dialMusic, false),
		checkBools("Dial", d.Redirect, d.HangupOnStar),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// Element implements [Verb].
func (n Number) Element() (*etree.Element, error) {
	if !phoneNumber.MatchString(n.Digits) {
		return nil, fmt.Errorf("Number %q: use a number such as 14155550100", n.Digits)
	}
	return dialTarget("Number", n.Digits, n.SendDigits, n.SendOnPreanswer)
}

// Element implements [Verb].
func (u User) Element() (*etree.Element, error) {
	if !strings.HasPrefix(u.SIP, "sip:") || strings.ContainsAny(u.SIP, " \t\r\n<>") {
		return nil, fmt.Errorf("User %q: use a SIP URI such as sip:alice@phone.plivo.com", u.SIP)
	}
	return dialTarget("User", u.SIP, u.SendDigits, u.SendOnPreanswer)
}

// dialTarget is a <Number> or <User> with its sendDigits and sendOnPreanswer.
func dialTarget(tag, text, sendDigits string, onPreanswer Bool) (*etree.Element, error) {
	if sendDigits != "" && !dtmfDigits.MatchString(sendDigits) {
		return nil, fmt.Errorf("%s sendDigits %q: use 0-9, *, #, w (wait 0.5 s) and W (wait 1 s)", tag, sendDigits)
	}
	if err := checkBools(tag, onPreanswer); err != nil {
		return nil, err
	}
	el, err := textElement(tag, text)
	if err != nil {
		return nil, err
	}
	return el, attrs(el, "sendDigits", sendDigits, "sendOnPreanswer", onPreanswer.attr())
}
