package xmlresp

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// GetInput is Plivo's <GetInput>: it plays Prompt and collects the caller's
// digits or speech, then requests Action with them (Digits, or Speech)
// (https://www.plivo.com/docs/voice/xml/input#getinput). Speak, Play and
// Wait may be nested.
type GetInput struct {
	Action           string // absolute http or https URL that receives the input. Required.
	Method           string // GET or POST; empty leaves Plivo's default (POST)
	InputType        string // dtmf, speech, or "dtmf speech". Required.
	ExecutionTimeout int    // seconds to wait for input, 5 to 60; 0 leaves Plivo's default (15)
	DigitEndTimeout  int    // seconds between digits, 2 to 10; 0 leaves Plivo's default (auto)
	SpeechEndTimeout int    // seconds of silence that end speech, 2 to 10; 0 leaves Plivo's default (auto)
	FinishOnKey      string // one of 0-9, * and #, or none; empty leaves Plivo's default (#)
	NumDigits        int    // digits to collect, 1 to 32; 0 leaves Plivo's default (32)
	SpeechModel      string // default, command_and_search or phone_call; empty leaves Plivo's default
	// Hints are comma-separated phrases that help recognise speech: at most
	// 500 phrases of at most 100 characters, 10,000 characters in all.
	Hints    string
	Language string // speech language such as en-US; empty leaves Plivo's default (en-US)
	// InterimSpeechResultsCallback is an absolute URL told of speech as it is
	// recognised; InterimSpeechResultsCallbackMethod is GET or POST for it.
	InterimSpeechResultsCallback       string
	InterimSpeechResultsCallbackMethod string
	// Redirect False makes Plivo only send the input to Action and go on with
	// the next element; Unset leaves Plivo's default (true: the call
	// continues with Action's answer).
	Redirect        Bool
	Log             Bool   // False keeps the input out of Plivo's logs (a PIN); Unset: true
	ProfanityFilter Bool   // True filters profanity from Speech; Unset: false
	Prompt          []Verb // Speak, Play and Wait, played while waiting
}

// Element implements [Verb].
func (g GetInput) Element() (*etree.Element, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	el := etree.NewElement("GetInput")
	err := attrs(el, "action", g.Action, "method", g.Method, "inputType", g.InputType,
		"executionTimeout", optional(g.ExecutionTimeout), "digitEndTimeout", optional(g.DigitEndTimeout),
		"speechEndTimeout", optional(g.SpeechEndTimeout), "finishOnKey", g.FinishOnKey,
		"numDigits", optional(g.NumDigits), "speechModel", g.SpeechModel, "hints", g.Hints, "language", g.Language,
		"interimSpeechResultsCallback", g.InterimSpeechResultsCallback,
		"interimSpeechResultsCallbackMethod", g.InterimSpeechResultsCallbackMethod,
		"redirect", g.Redirect.attr(), "log", g.Log.attr(), "profanityFilter", g.ProfanityFilter.attr())
	if err != nil {
		return nil, err
	}
	return el, nest(el, "GetInput", g.Prompt, prompt)
}

// check checks each attribute against the documented values.
func (g GetInput) check() error {
	switch g.InputType {
	case "dtmf", "speech", "dtmf speech":
	default:
		return fmt.Errorf("GetInput inputType %q: use dtmf, speech or \"dtmf speech\"", g.InputType)
	}
	switch g.SpeechModel {
	case "", "default", "command_and_search", "phone_call":
	default:
		return fmt.Errorf("GetInput speechModel %q: use default, command_and_search or phone_call", g.SpeechModel)
	}
	if g.Language != "" && !language.MatchString(g.Language) {
		return fmt.Errorf("GetInput language %q: use a code such as en-US", g.Language)
	}
	for _, err := range []error{
		checkURL("GetInput action", g.Action, true),
		checkMethod("GetInput", g.Method),
		checkRange("GetInput executionTimeout", g.ExecutionTimeout, 5, 60),
		checkRange("GetInput digitEndTimeout", g.DigitEndTimeout, 2, 10),
		checkRange("GetInput speechEndTimeout", g.SpeechEndTimeout, 2, 10),
		checkRange("GetInput numDigits", g.NumDigits, 1, 32),
		checkFinishOnKey("GetInput", g.FinishOnKey),
		checkHints(g.Hints),
		checkCallback("GetInput interimSpeechResults", g.InterimSpeechResultsCallback, g.InterimSpeechResultsCallbackMethod),
		checkBools("GetInput", g.Redirect, g.Log, g.ProfanityFilter),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkHints checks GetInput's hints against the documented limits: "Max
// 500 phrases per request, max 10,000 characters total, max 100 characters
// per phrase" (https://www.plivo.com/docs/voice/xml/input#improve-speech-recognition).
func checkHints(hints string) error {
	if hints == "" {
		return nil
	}
	phrases := strings.Split(hints, ",")
	switch {
	case len(phrases) > 500:
		return fmt.Errorf("GetInput hints has %d phrases: use at most 500", len(phrases))
	case len([]rune(hints)) > 10000:
		return fmt.Errorf("GetInput hints is %d characters: use at most 10,000", len([]rune(hints)))
	}
	for _, p := range phrases {
		if n := len([]rune(strings.TrimSpace(p))); n > 100 {
			return fmt.Errorf("GetInput hints phrase %.20q… is %d characters: use at most 100 characters a phrase", p, n)
		}
	}
	return nil
}

// GetDigits is Plivo's <GetDigits>: the older way to collect the caller's
// digits, which Plivo's current examples still use. It plays Prompt, then
// requests Action with the digits (Digits)
// (https://www.plivo.com/docs/voice/xml/getdigits/, and the summary at
// https://www.plivo.com/docs/voice/xml/input#getdigits). Speak, Play and
// Wait may be nested.
type GetDigits struct {
	Action       string // absolute http or https URL that receives the digits
	Method       string // GET or POST; empty leaves Plivo's default (POST)
	Timeout      int    // seconds to wait for the first digit, at least 1; 0 leaves Plivo's default (5)
	DigitTimeout int    // seconds between digits, at least 1; 0 leaves Plivo's default (2)
	FinishOnKey  string // one of 0-9, * and #, or none; empty leaves Plivo's default (#)
	NumDigits    int    // most digits to collect, at least 1; 0 leaves Plivo's default (99)
	// Retries is how many times the caller may try when no digits come
	// within Timeout, at least 1 (whether the first try counts, Plivo's page
	// does not say); 0 leaves Plivo's default (1).
	Retries int
	// Redirect False makes Plivo only send the digits to Action and go on
	// with the next element; Unset leaves Plivo's default (true).
	Redirect    Bool
	PlayBeep    Bool   // True beeps after the prompt; Unset leaves Plivo's default (false)
	ValidDigits string // the keys accepted, from 0-9, * and #; empty leaves Plivo's default (all)
	// InvalidDigitsSound is the absolute URL of an mp3 or wav file played
	// when another key is pressed.
	InvalidDigitsSound string
	Log                Bool   // False keeps the digits out of Plivo's logs (a PIN); Unset: true
	Prompt             []Verb // Speak, Play and Wait, played while waiting
}

// Element implements [Verb].
func (g GetDigits) Element() (*etree.Element, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	el := etree.NewElement("GetDigits")
	err := attrs(el, "action", g.Action, "method", g.Method, "timeout", optional(g.Timeout),
		"digitTimeout", optional(g.DigitTimeout), "finishOnKey", g.FinishOnKey, "numDigits", optional(g.NumDigits),
		"retries", optional(g.Retries), "redirect", g.Redirect.attr(), "playBeep", g.PlayBeep.attr(),
		"validDigits", g.ValidDigits, "invalidDigitsSound", g.InvalidDigitsSound, "log", g.Log.attr())
	if err != nil {
		return nil, err
	}
	return el, nest(el, "GetDigits", g.Prompt, prompt)
}

// check checks each attribute against the documented values.
func (g GetDigits) check() error {
	if g.ValidDigits != "" && strings.Trim(g.ValidDigits, "0123456789*#") != "" {
		return fmt.Errorf("GetDigits validDigits %q: use keys from 0-9, * and #", g.ValidDigits)
	}
	for _, err := range []error{
		checkURL("GetDigits action", g.Action, false),
		checkMethod("GetDigits", g.Method),
		checkAtLeast("GetDigits timeout", g.Timeout, 1),
		checkAtLeast("GetDigits digitTimeout", g.DigitTimeout, 1),
		checkAtLeast("GetDigits numDigits", g.NumDigits, 1),
		checkAtLeast("GetDigits retries", g.Retries, 1),
		checkFinishOnKey("GetDigits", g.FinishOnKey),
		checkURL("GetDigits invalidDigitsSound", g.InvalidDigitsSound, false),
		checkBools("GetDigits", g.Redirect, g.PlayBeep, g.Log),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// prompt is what GetInput and GetDigits may nest: Speak and Play, which
// https://www.plivo.com/docs/voice/xml/input lists, and Wait, which Plivo's
// own XML builder also nests in them (nestables of GetInput and GetDigits in
// the plivo npm package's dist/utils/plivoxml.js).
func prompt(v Verb) bool {
	switch v.(type) {
	case Speak, Play, Wait:
		return true
	}
	return false
}
