package callsim

import (
	"cmp"
	"encoding/xml"
	"errors"
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
	Inner    string     `xml:",innerxml"`
}

// document is a parsed <Response>, with the URL it came from (relative URLs
// in it are resolved against that URL).
type document struct {
	element
	url string
}

func (e element) attr(name, def string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return def
}

func (e element) text() string { return strings.TrimSpace(e.Text) }

// words is the text a Speak speaks: its own text and its SSML children's,
// in order (https://www.plivo.com/docs/voice/concepts/ssml/: <break> says
// nothing, <sub alias="…"> says the alias).
func (e element) words() string {
	var b strings.Builder
	d := xml.NewDecoder(strings.NewReader(e.Inner))
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.WriteString(" " + string(t) + " ")
		case xml.StartElement:
			for _, a := range t.Attr {
				if t.Name.Local == "sub" && a.Name.Local == "alias" {
					b.WriteString(" " + a.Value + " ")
					d.Skip()
				}
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// parse reads a Plivo XML document: one <Response> root, and in each
// <PreAnswer> only what Plivo nests in it.
func parse(body []byte, from string) (*document, error) {
	d := &document{url: from}
	if err := xml.Unmarshal(body, &d.element); err != nil {
		return nil, fmt.Errorf("%w (body %q)", err, clip(string(body), 80))
	}
	if d.XMLName.Local != "Response" {
		return nil, fmt.Errorf("the root element is <%s>, not <Response>", escape(d.XMLName.Local))
	}
	for _, el := range d.Children {
		if el.XMLName.Local != "PreAnswer" {
			continue
		}
		for _, child := range el.Children {
			if n := child.XMLName.Local; n != "Speak" && n != "Play" && n != "Wait" {
				return nil, fmt.Errorf("<%s> nested in <PreAnswer>: %w", escape(n), errNesting)
			}
		}
	}
	return d, nil
}

// errNesting is an element nested where Plivo's pages do not nest it:
// "You can nest Speak, Play, and Wait elements within the PreAnswer
// element" (https://www.plivo.com/docs/voice/xml/preanswer/), though
// Plivo's Node SDK builds GetDigits, DTMF, Redirect and Message in it too.
// What Plivo does with such a document its pages do not say: the simulator
// takes it as invalid XML, and says so.
var errNesting = errors.New("only Speak, Play and Wait may be nested in <PreAnswer>")

// outcome is what running one element leads to: a document that replaces
// the current one (a Redirect, an action URL's answer), or the end of the
// call, with the error that ended it, if any.
type outcome struct {
	next *document
	end  *Hangup
	err  error
}

// ended is the outcome of a call that ended as h.
func ended(h Hangup, err error) outcome { return outcome{end: &h, err: err} }

// execute runs doc's elements in order. A call is answered by the first
// element that is neither <PreAnswer> nor a leading <Wait>; the end of the
// document ends the call (4010 End Of XML Instructions:
// https://www.plivo.com/docs/voice/troubleshooting/hangup-causes/).
func (s *session) execute(doc *document) outcome {
	for i, el := range doc.Children {
		if s.answerAt < 0 && !ringing(el) {
			s.answerAt = s.clock
		}
		var o outcome
		if run, ok := verbs[el.XMLName.Local]; ok {
			o = run(s, el, doc, i == len(doc.Children)-1)
		} else {
			o = ended(hangupUnknown, fmt.Errorf("%w: <%s>", ErrUnsupported, escape(el.XMLName.Local)))
		}
		if o.next != nil || o.end != nil {
			return o
		}
	}
	s.say("  (end of document: the call ends)")
	return ended(hangupEndOfXML, nil)
}

// verbs are the elements the simulator runs, by name; any other ends the
// call naming it (FIDELITY.md has a row for each).
var verbs = map[string]func(s *session, el element, doc *document, last bool) outcome{
	"Speak":     func(s *session, el element, _ *document, _ bool) outcome { return s.prompt(el) },
	"Play":      func(s *session, el element, _ *document, _ bool) outcome { return s.prompt(el) },
	"Wait":      func(s *session, el element, _ *document, _ bool) outcome { return s.prompt(el) },
	"DTMF":      func(s *session, el element, _ *document, _ bool) outcome { return s.prompt(el) },
	"PreAnswer": func(s *session, el element, _ *document, _ bool) outcome { return s.preAnswer(el) },
	"GetInput":  func(s *session, el element, doc *document, _ bool) outcome { return s.getInput(el, doc.url) },
	"GetDigits": func(s *session, el element, doc *document, _ bool) outcome { return s.getDigits(el, doc.url) },
	"Redirect":  func(s *session, el element, doc *document, _ bool) outcome { return s.redirect(el, doc.url) },
	"Dial":      func(s *session, el element, doc *document, _ bool) outcome { return s.dial(el, doc.url) },
	"Record":    func(s *session, el element, doc *document, _ bool) outcome { return s.record(el, doc.url) },
	"Hangup":    func(s *session, el element, _ *document, last bool) outcome { return s.hangup(el, last) },
}

// ringing reports whether el runs before the call is answered: a
// <PreAnswer> (https://www.plivo.com/docs/voice/xml/preanswer/), a <Wait>
// (https://www.plivo.com/docs/voice/xml/wait/delayed-call-answer: a leading
// Wait delays the answer), or a <Hangup> (first, it rejects the call).
func ringing(el element) bool {
	switch el.XMLName.Local {
	case "PreAnswer", "Wait", "Hangup":
		return true
	}
	return false
}

// advance moves the call's clock on by n seconds, unless the caller hangs
// up (HangupAfter) or a scheduled hangup falls within them: then the clock
// stops there and ok is false, with how the call ended.
func (s *session) advance(n int) (Hangup, bool) {
	to := s.clock + max(n, 0)
	if s.schedule > 0 && s.schedule <= to && (s.HangupAfter == 0 || s.schedule <= s.hangupAt()) {
		s.clock = s.schedule
		s.say("  (the scheduled hangup falls due at %ds)", s.clock)
		s.note("Plivo's pages name no cause for a scheduled hangup: 6000 Scheduled Hangup, source Plivo, is taken")
		return hangupScheduled, false
	}
	if s.HangupAfter > 0 && s.hangupAt() <= to {
		s.clock = s.hangupAt()
		s.say("  the caller hangs up at %ds", s.clock)
		return hangupByCaller, false
	}
	s.clock = to
	return Hangup{}, true
}

// hangupAt is the clock at which the caller hangs up.
func (s *session) hangupAt() int { return int(s.HangupAfter.Seconds()) }

// endless makes an endless loop (loop="0") of verb last until the caller
// hangs up: at HangupAfter, or, without it, a minute from now (said).
func (s *session) endless(verb string) {
	if s.HangupAfter == 0 {
		s.HangupAfter = timeSeconds(s.clock + 60)
		s.note("<%s loop=\"0\"> is endless: the caller hangs up after 60s; set HangupAfter (-hangup-after) to choose", verb)
	}
}

// prompt plays a Speak or a Play (https://www.plivo.com/docs/voice/xml/speak/,
// https://www.plivo.com/docs/voice/xml/play/: loop, default 1, 0 endless),
// a Wait (https://www.plivo.com/docs/voice/xml/wait/) or a DTMF
// (https://www.plivo.com/docs/voice/xml/dtmf/: the digits are sent, shown).
func (s *session) prompt(el element) outcome {
	switch el.XMLName.Local {
	case "Wait":
		return s.wait(el)
	case "DTMF":
		s.res.Digits = append(s.res.Digits, el.text())
		s.say("  dtmf  %q", el.text())
		if h, ok := s.advance(1); !ok {
			return ended(h, nil)
		}
		return outcome{}
	}
	loop, err := strconv.Atoi(el.attr("loop", "1"))
	if err != nil || loop < 0 {
		return ended(hangupUnknown, fmt.Errorf("%w: <%s loop=%q>: Plivo allows an integer >= 0", ErrBadXML, el.XMLName.Local, escape(el.attr("loop", ""))))
	}
	if loop == 0 {
		s.endless(el.XMLName.Local)
	}
	for n := 0; loop == 0 || n < loop; n++ {
		if h, ok := s.playOnce(el); !ok {
			return ended(h, nil)
		}
	}
	return outcome{}
}

// playOnce speaks or plays el once: a Speak lasts a second and a second per
// three words, a Play 5 seconds (the simulator's choice: it hears no audio).
func (s *session) playOnce(el element) (Hangup, bool) {
	if el.XMLName.Local == "Play" {
		s.res.Played = append(s.res.Played, el.text())
		s.say("  play  %q", el.text())
		return s.advance(5)
	}
	w := el.words()
	s.res.Said = append(s.res.Said, w)
	s.say("  say  %q", w)
	return s.advance(1 + len(strings.Fields(w))/3)
}

// wait is a <Wait> (https://www.plivo.com/docs/voice/xml/wait/): length
// seconds (default 1); with silence="true" it ends once minSilence ms
// (default 2000) of silence are heard, and the scripted caller is silent;
// with beep="true" it ends at a beep, and the scripted caller plays none.
func (s *session) wait(el element) outcome {
	n := atoi(el.attr("length", "1"))
	how := ""
	switch {
	case el.attr("silence", "false") == "true":
		n = min(n, (atoi(el.attr("minSilence", "2000"))+999)/1000)
		how = " (silence=\"true\": the caller is silent, so it ends after minSilence)"
	case el.attr("beep", "false") == "true":
		how = " (beep=\"true\": no beep comes, so it lasts its length)"
	}
	if s.answerAt < 0 {
		how += " (ringing: the call is not answered yet)"
	}
	s.say("  wait  %ds%s", n, how)
	if h, ok := s.advance(n); !ok {
		return ended(h, nil)
	}
	return outcome{}
}

// preAnswer plays its nested Speak, Play and Wait (parse refuses any other)
// before the call is answered, as early media, not billed
// (https://www.plivo.com/docs/voice/xml/preanswer/).
func (s *session) preAnswer(el element) outcome {
	s.say("  pre-answer (early media: not billed)")
	for _, child := range el.Children {
		if o := s.prompt(child); o.end != nil {
			return o
		}
	}
	return outcome{}
}

// redirect requests the URL in the body by method (GET or POST, default
// POST), with the request parameters plus Event=Redirect and CallerName;
// its answer replaces the document and nothing after the Redirect runs:
// https://www.plivo.com/docs/voice/xml/redirect/
func (s *session) redirect(el element, base string) outcome {
	target := s.resolve(base, el.text())
	s.say("  redirect  %s", escape(target))
	p := s.params("in-progress")
	p.Set("Event", "Redirect")
	p.Set("CallerName", s.From)
	method, err := httpMethod(el)
	if err != nil {
		return ended(badRedirectURL, err)
	}
	return s.fetch(method, target, p, errRedirectURL, badRedirectURL, badRedirectXML)
}

// hangup is a <Hangup> (https://www.plivo.com/docs/voice/xml/hangup/):
// before the call is answered it rejects the call (reason rejected by
// default, or busy); after, it is a normal hangup. schedule="N" hangs up N
// seconds later while the following elements run, or at once when nothing
// follows.
func (s *session) hangup(el element, last bool) outcome {
	if n := atoi(el.attr("schedule", "0")); n > 0 && !last {
		s.schedule = s.clock + n
		s.say("  hangup scheduled in %ds", n)
		return outcome{}
	}
	reason := el.attr("reason", "")
	if s.answerAt < 0 {
		s.say("  hangup  → the call is rejected (%s), never answered", cmp.Or(reason, "rejected"))
		s.note("Plivo's pages name no cause code for a rejected call: the hangup-causes page's %s is taken", cmp.Or(reason, "rejected"))
		if reason == "busy" {
			return ended(hangupBusy, nil)
		}
		return ended(hangupRejected, nil)
	}
	s.say("  hangup")
	return ended(hangupByXML, nil)
}

// fetch requests a URL and parses its answer as the document that replaces
// the current one. A failure ends the call with the cause Plivo names for
// that URL: reach when it cannot be reached or answers non-2xx, invalid when
// it is not a URL, badXML when its answer is not Plivo XML.
func (s *session) fetch(method, rawURL string, params url.Values, reach, invalid, badXML Hangup) outcome {
	body, err := s.request(method, rawURL, params)
	if err != nil {
		return ended(s.failure(err, reach, invalid), err)
	}
	doc, err := parse(body, rawURL)
	if errors.Is(err, errNesting) {
		s.note("Plivo's pages do not say what it does with an element nested where they do not nest it: taken as invalid XML")
	}
	if err != nil {
		return ended(badXML, fmt.Errorf("%w: %s %s answered: %w", ErrBadXML, method, escape(rawURL), err))
	}
	return outcome{next: doc}
}

// failure is the ending of a call whose request failed with err.
func (s *session) failure(err error, reach, invalid Hangup) Hangup {
	switch {
	case errors.Is(err, ErrTooLong):
		return hangupByCaller
	case errors.Is(err, ErrHost):
		return hangupUnknown
	case errors.Is(err, errNotURL):
		return invalid
	}
	return reach
}

// httpMethod is el's method attribute: GET or POST, default POST.
func httpMethod(el element) (string, error) {
	m := el.attr("method", "POST")
	if m != "GET" && m != "POST" {
		return "", fmt.Errorf("%w: <%s method=%q>: Plivo allows GET or POST", ErrBadXML, el.XMLName.Local, escape(m))
	}
	return m, nil
}

func atoi(s string) int { n, _ := strconv.Atoi(strings.TrimSpace(s)); return n }

// timeSeconds is n seconds.
func timeSeconds(n int) time.Duration { return time.Duration(n) * time.Second }
