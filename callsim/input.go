package callsim

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// getInput plays the nested prompts and takes the caller's next entry
// (https://www.plivo.com/docs/voice/xml/getinput/): inputType dtmf, speech
// or "dtmf speech"; Speak and Play nest in it; with no input before
// executionTimeout (default 15 s) the next element runs and the action is
// not requested; with input the action URL (method default POST) gets
// InputType and Digits (without the finishOnKey) or Speech and
// SpeechConfidenceScore; redirect true (the default) makes its answer
// replace the document, false only requests it and goes on.
func (s *session) getInput(el element, base string) outcome {
	types := strings.Fields(el.attr("inputType", ""))
	if len(types) == 0 {
		s.note("<GetInput> without inputType: Plivo's page names no default; taken as dtmf")
		types = []string{"dtmf"}
	}
	prompts, o := s.nested(el, "GetInput")
	if o.end != nil {
		return o
	}
	entry, ok := s.nextEntry(prompts)
	if !ok {
		s.say("  ask  → the caller hangs up")
		return ended(hangupByCaller, nil)
	}
	p := s.params("in-progress")
	switch words, isSpeech := strings.CutPrefix(entry, "speech:"); {
	case isSpeech && slices.Contains(types, "speech") && strings.TrimSpace(words) != "":
		s.say("  ask  → speech %q", words)
		p.Set("InputType", "speech")
		p.Set("Speech", strings.TrimSpace(words))
		p.Set("SpeechConfidenceScore", "0.9")
		s.note("SpeechConfidenceScore is the simulator's 0.9")
	case !isSpeech && entry != "" && slices.Contains(types, "dtmf"):
		digits, h, ok := s.keys(entry, el.attr("finishOnKey", "#"), atoi(el.attr("numDigits", "0")), atoi(el.attr("digitEndTimeout", "auto")))
		if !ok {
			return ended(h, nil)
		}
		if digits == "" {
			return s.noInput(el.attr("executionTimeout", "15"))
		}
		p.Set("InputType", "dtmf")
		p.Set("Digits", digits)
	default:
		if entry != "" {
			s.note("the caller's %q is not an input this <GetInput inputType=%q> listens for", entry, strings.Join(types, " "))
		}
		s.note("no input: the action is not requested and the next element runs (Plivo's page says the next element runs)")
		return s.noInput(el.attr("executionTimeout", "15"))
	}
	return s.follow(el, base, p)
}

// noInput is a GetInput or GetDigits that timed out: after seconds, the
// next element runs.
func (s *session) noInput(seconds string) outcome {
	s.say("  ask  → no input (timeout)")
	if h, ok := s.advance(atoi(seconds)); !ok {
		return ended(h, nil)
	}
	return outcome{}
}

// keys is what Plivo keeps of the keys the caller pressed: up to the
// finishOnKey, which is not kept (none or "" disables it), or numDigits
// (0: no limit). Input that stops otherwise ends after endTimeout seconds
// (0, GetInput's auto: 5 s, said).
func (s *session) keys(entry, finish string, numDigits, endTimeout int) (string, Hangup, bool) {
	if finish == "none" {
		finish = ""
	}
	var got strings.Builder
	for _, r := range entry {
		if finish != "" && string(r) == finish {
			s.say("  ask  → %s (then %s, which ends the input)", got.String(), finish)
			return got.String(), Hangup{}, true
		}
		got.WriteRune(r)
		if numDigits > 0 && got.Len() == numDigits {
			s.say("  ask  → %s (numDigits reached)", got.String())
			return got.String(), Hangup{}, true
		}
	}
	if endTimeout <= 0 {
		endTimeout = 5
		s.note("digitEndTimeout auto: Plivo's page gives no length; 5s taken")
	}
	s.say("  ask  → %s (then %ds without a key ends the input)", got.String(), endTimeout)
	h, ok := s.advance(endTimeout)
	return got.String(), h, ok
}

// nested plays the elements nested in el, and returns their text as the
// prompt. Plivo's pages name Speak and Play ("You can nest Speak XML ... and
// Play XML elements inside GetInput XML",
// https://www.plivo.com/docs/voice/xml/getinput/); Plivo's own XML builder
// (the plivo npm package) also nests Wait, as xmlresp does, on which the
// pages are silent: the simulator plays it as the silence it is, said. Any
// other nested element is not simulated.
func (s *session) nested(el element, verb string) (string, outcome) {
	var prompts []string
	for _, child := range el.Children {
		switch child.XMLName.Local {
		case "Wait":
			s.note("<Wait> nested in <%s>: Plivo's SDK writes it, its page names only Speak and Play; played as silence", verb)
			if o := s.prompt(child); o.end != nil {
				return "", o
			}
		case "Speak", "Play":
			if o := s.prompt(child); o.end != nil {
				return "", o
			}
			prompts = append(prompts, cmp.Or(child.words(), child.text()))
		default:
			return "", ended(hangupUnknown, fmt.Errorf("%w: <%s> nested in <%s>", ErrUnsupported, escape(child.XMLName.Local), verb))
		}
	}
	return strings.Join(prompts, " "), outcome{}
}

// getDigits is the older <GetDigits> (https://www.plivo.com/docs/voice/xml/getdigits/):
// keys only; timeout (default 5 s) for the first key, digitTimeout (2 s)
// between keys, finishOnKey (#, not kept in Digits), numDigits (99),
// validDigits (1234567890*#: another key plays invalidDigitsSound and
// counts as a failed try), retries (1), playBeep (false), redirect (true).
// After the last failed try, the next element runs.
func (s *session) getDigits(el element, base string) outcome {
	tries := max(atoi(el.attr("retries", "1")), 1)
	valid := el.attr("validDigits", "1234567890*#")
	for try := 1; try <= tries; try++ {
		prompts, o := s.nested(el, "GetDigits")
		if o.end != nil {
			return o
		}
		if el.attr("playBeep", "false") == "true" {
			s.say("  beep")
		}
		entry, ok := s.nextEntry(prompts)
		if !ok {
			s.say("  ask  → the caller hangs up")
			return ended(hangupByCaller, nil)
		}
		if entry == "" || strings.HasPrefix(entry, "speech:") {
			if o := s.noInput(el.attr("timeout", "5")); o.end != nil {
				return o
			}
			continue
		}
		digits, h, ok := s.keys(entry, el.attr("finishOnKey", "#"), cmp.Or(atoi(el.attr("numDigits", "99")), 99), atoi(el.attr("digitTimeout", "2")))
		if !ok {
			return ended(h, nil)
		}
		if bad := strings.Trim(digits, valid); bad != "" || digits == "" {
			s.say("  invalid  %q is not among validDigits %q (try %d of %d)", digits, valid, try, tries)
			if sound := el.attr("invalidDigitsSound", ""); sound != "" {
				s.res.Played = append(s.res.Played, sound)
				s.say("  play  %q", sound)
			}
			continue
		}
		p := s.params("in-progress")
		p.Set("Digits", digits)
		return s.follow(el, base, p)
	}
	s.note("retries=%q read as the number of tries in all: Plivo's page does not say whether the first counts", strconv.Itoa(tries))
	return outcome{}
}

// nextEntry is the caller's next input; ok false means the caller hangs up.
func (s *session) nextEntry(prompt string) (string, bool) {
	if s.used < len(s.Digits) {
		s.used++
		return s.Digits[s.used-1], true
	}
	if s.Input != nil {
		return s.Input(prompt)
	}
	return "", false
}

// follow requests el's action URL (method default POST) with p. With
// redirect="true" (the default) its answer replaces the document, and a
// failure ends the call (7012 Error Reaching Action URL, 8012 Invalid
// Action XML); with redirect="false" the call goes on to the next element
// whatever the action answers: the hangup-causes page gives those endings
// "only if redirect=true". Without an action the call goes on.
func (s *session) follow(el element, base string, p url.Values) outcome {
	action := el.attr("action", "")
	if action == "" {
		s.note("<%s> has no action: nothing is requested, the next element runs", el.XMLName.Local)
		return outcome{}
	}
	action = s.resolve(base, action)
	method, err := httpMethod(el)
	if err != nil {
		return ended(badActionURL, err)
	}
	if el.attr("redirect", "true") != "false" {
		return s.fetch(method, action, p, errActionURL, badActionURL, badActionXML)
	}
	if _, err := s.request(method, action, p); err != nil {
		if h := s.failure(err, Hangup{}, Hangup{}); h.Name != "" {
			return ended(h, err)
		}
		s.note("redirect=\"false\": the action's failure does not end the call (%v); the next element runs", err)
	}
	return outcome{}
}
