package callsim

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// element is one element of a Plivo XML document.
type element struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []element  `xml:",any"`
}

// document is a parsed <Response>.
type document struct{ element }

func (e element) attr(name, def string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return def
}

func (e element) text() string { return strings.TrimSpace(e.Text) }

// parse reads a Plivo XML document: one <Response> root.
func parse(body []byte) (*document, error) {
	var d document
	if err := xml.Unmarshal(body, &d.element); err != nil {
		return nil, fmt.Errorf("%w (body %q)", err, clip(string(body), 80))
	}
	if d.XMLName.Local != "Response" {
		return nil, fmt.Errorf("the root element is <%s>, not <Response>", d.XMLName.Local)
	}
	return &d, nil
}

// execute runs doc's elements in order. It returns the document that
// replaces doc (a Redirect, or an action URL's answer), or how the call
// ended: by <Hangup>, by the caller, or at the end of the document (hangup
// cause 4010, End Of XML Instructions:
// https://www.plivo.com/docs/voice/troubleshooting/hangup-causes/).
func (s *session) execute(doc *document) (*document, *hangup, error) {
	for _, el := range doc.Children {
		var next *document
		var end *hangup
		var err error
		switch el.XMLName.Local {
		case "Speak", "Play", "Wait":
			s.prompt(el)
		case "GetInput":
			next, end, err = s.getInput(el)
		case "Redirect":
			next, err = s.redirect(el)
		case "Dial":
			next, err = s.dial(el)
		case "Record":
			next, err = s.record(el)
		case "Hangup":
			s.say("  hangup")
			return nil, &hangupByXML, nil
		default:
			err = fmt.Errorf("%w: <%s>", ErrUnsupported, el.XMLName.Local)
		}
		if err != nil || end != nil || next != nil {
			if err != nil {
				end = &hangupError
			}
			return next, end, err
		}
	}
	s.say("  (end of document: the call ends)")
	return nil, &hangupEndOfXML, nil
}

// prompt plays a Speak or a Play (https://plivo.com/docs/voice/xml/audio-output:
// the text, or the audio file's URL, in the body), or a Wait
// (https://docs.plivo.com/docs/voice/xml/wait: length in seconds, default 1).
func (s *session) prompt(el element) {
	switch el.XMLName.Local {
	case "Speak":
		s.res.Said = append(s.res.Said, el.text())
		s.say("  say  %q", el.text())
		s.seconds += 1 + len(strings.Fields(el.text()))/3
	case "Play":
		s.res.Played = append(s.res.Played, el.text())
		s.say("  play  %s", el.text())
		s.seconds += 5
	case "Wait":
		n, _ := strconv.Atoi(el.attr("length", "1"))
		s.say("  wait  %ds", n)
		s.seconds += n
	}
}

// redirect requests the URL in the body by method (GET or POST, default
// POST), with the request parameters plus Event=Redirect and CallerName (the
// caller ID, on a phone call); its answer replaces the document and nothing
// after the Redirect runs: https://www.plivo.com/docs/voice/xml/redirect/
func (s *session) redirect(el element) (*document, error) {
	s.say("  redirect  %s", el.text())
	p := s.params("in-progress")
	p.Set("Event", "Redirect")
	p.Set("CallerName", s.From)
	return s.fetch(el.attr("method", "POST"), el.text(), p)
}

// getInput plays the nested prompts and takes the caller's next digits.
// https://www.plivo.com/docs/voice/xml/getinput/: Speak and Play nest in it;
// with no input before executionTimeout, the next element runs; with input,
// the action URL gets Digits and InputType (dtmf) with the request
// parameters, by method (default POST); with redirect true (the default)
// its answer replaces the document, with false Plivo only requests it and
// goes on to the next element.
func (s *session) getInput(el element) (*document, *hangup, error) {
	if !strings.Contains(el.attr("inputType", ""), "dtmf") {
		return nil, nil, fmt.Errorf("%w: <GetInput inputType=%q> (speech input)", ErrUnsupported, el.attr("inputType", ""))
	}
	var prompts []string
	for _, child := range el.Children {
		switch child.XMLName.Local {
		case "Speak", "Play", "Wait":
			s.prompt(child)
			prompts = append(prompts, child.text())
		default:
			return nil, nil, fmt.Errorf("%w: <%s> nested in <GetInput>", ErrUnsupported, child.XMLName.Local)
		}
	}
	digits, ok := s.nextDigits(strings.Join(prompts, " "))
	if !ok {
		s.say("  ask  → the caller hangs up")
		return nil, &hangupByCaller, nil
	}
	if digits == "" {
		s.say("  ask  → no input (timeout)")
		s.seconds += atoi(el.attr("executionTimeout", "15"))
		return nil, nil, nil
	}
	if n := atoi(el.attr("numDigits", "0")); n > 0 && len(digits) > n {
		digits = digits[:n] // Plivo stops listening at numDigits
	}
	s.say("  ask  → %s", digits)
	p := s.params("in-progress")
	p.Set("Digits", digits)
	p.Set("InputType", "dtmf")
	next, err := s.follow(el, el.attr("action", ""), p)
	return next, nil, err
}

// nextDigits is the caller's next input; ok false means the caller hangs up.
func (s *session) nextDigits(prompt string) (string, bool) {
	if s.used < len(s.Digits) {
		s.used++
		return s.Digits[s.used-1], true
	}
	if s.Input != nil {
		return s.Input(prompt)
	}
	return "", false
}

// dial prints who is dialled and reports DialStatus to the action URL.
// https://docs.plivo.com/docs/voice/xml/dial: Number and User nest in it;
// the action URL (method default POST) gets the parameters of
// https://www.plivo.com/docs/voice/use-cases/dial-status-reporting:
// DialStatus (completed, busy, failed, timeout, no-answer), DialRingStatus,
// DialHangupCause, DialALegUUID and DialBLegUUID (empty if nobody answers).
// Without an action, or with redirect false, the call goes on.
func (s *session) dial(el element) (*document, error) {
	var who []string
	for _, child := range el.Children {
		if n := child.XMLName.Local; n != "Number" && n != "User" {
			return nil, fmt.Errorf("%w: <%s> nested in <Dial>", ErrUnsupported, n)
		}
		who = append(who, child.text())
	}
	s.res.Dialled = append(s.res.Dialled, who...)
	s.say("  dial  %s → %s", strings.Join(who, ", "), s.DialStatus)
	if s.DialStatus == "completed" {
		s.seconds += 30
	}
	action := el.attr("action", "")
	if action == "" {
		return nil, nil
	}
	p := s.params("in-progress")
	p.Set("DialStatus", s.DialStatus)
	p.Set("DialALegUUID", s.res.CallUUID)
	p.Set("DialBLegUUID", "")
	p.Set("DialRingStatus", strconv.FormatBool(s.DialStatus != "busy" && s.DialStatus != "failed"))
	p.Set("DialHangupCause", dialHangupCause[s.DialStatus])
	if s.DialStatus == "completed" {
		p.Set("DialBLegUUID", newUUID())
	}
	return s.follow(el, action, p)
}

// dialHangupCause is the standard telephony cause of each DialStatus.
var dialHangupCause = map[string]string{
	"completed": "NORMAL_CLEARING", "busy": "USER_BUSY", "no-answer": "NO_ANSWER",
	"timeout": "RECOVERY_ON_TIMER_EXPIRE", "failed": "CALL_REJECTED",
}

// record simulates a recording the caller ends with finishOnKey.
// https://docs.plivo.com/docs/voice/xml/record ("Parameters sent to the
// action URL"): the action URL (method
// default POST) gets RecordUrl, RecordingID, RecordingDuration (seconds),
// RecordingDurationMs, RecordingStartMs, RecordingEndMs (milliseconds since
// the epoch) and Digits (the key that ended it); redirect true (the default)
// makes its answer replace the document. fileFormat is mp3 or wav.
func (s *session) record(el element) (*document, error) {
	const length = 7 // seconds of message
	id := newUUID()
	file := "https://callsim.invalid/recordings/" + id + "." + el.attr("fileFormat", "mp3")
	s.say("  record  %ds → %s", length, file)
	s.seconds += length
	action := el.attr("action", "")
	if action == "" {
		return nil, nil
	}
	end := time.Now().UnixMilli()
	p := s.params("in-progress")
	p.Set("RecordUrl", file)
	p.Set("RecordingID", id)
	p.Set("RecordingDuration", strconv.Itoa(length))
	p.Set("RecordingDurationMs", strconv.Itoa(length*1000))
	p.Set("RecordingStartMs", strconv.FormatInt(end-length*1000, 10))
	p.Set("RecordingEndMs", strconv.FormatInt(end, 10))
	p.Set("Digits", el.attr("finishOnKey", "#"))
	return s.follow(el, action, p)
}

// follow requests an action URL; its answer replaces the document unless
// the element says redirect="false".
func (s *session) follow(el element, action string, p url.Values) (*document, error) {
	if el.attr("redirect", "true") == "false" {
		_, err := s.request(el.attr("method", "POST"), action, p)
		return nil, err
	}
	return s.fetch(el.attr("method", "POST"), action, p)
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
