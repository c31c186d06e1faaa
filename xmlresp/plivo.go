package xmlresp

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"

	"github.com/beevik/etree"
)

// Speak is Plivo's <Speak> verb: text read out to the caller.
type Speak struct {
	// Text is what is said. Required.
	Text string
	// Voice is MAN, WOMAN or an Amazon Polly voice such as Polly.Joanna or
	// Polly.Joanna-Neural. Empty leaves Plivo's default (WOMAN).
	Voice string
	// Language is a language code such as en-US or arb. Empty leaves
	// Plivo's default (en-US).
	Language string
	// Loop is how many times the text is said; 0 repeats it until the call
	// ends. Nil leaves Plivo's default (once).
	Loop *int
}

// Loop returns a pointer to n, for [Speak.Loop] and [Say.Loop].
func Loop(n int) *int { return &n }

var (
	pollyVoice = regexp.MustCompile(`^Polly\.[A-Z][A-Za-z]*(-Neural|-Generative)?$`)
	language   = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// Element implements [Verb].
func (s Speak) Element() (*etree.Element, error) {
	if s.Text == "" {
		return nil, fmt.Errorf("Speak needs text")
	}
	if s.Voice != "" && s.Voice != "MAN" && s.Voice != "WOMAN" && !pollyVoice.MatchString(s.Voice) {
		return nil, fmt.Errorf("Speak voice %q: use MAN, WOMAN or Polly.<Name>", s.Voice)
	}
	if s.Language != "" && !language.MatchString(s.Language) {
		return nil, fmt.Errorf("Speak language %q: use a code such as en-US", s.Language)
	}
	el, err := textElement("Speak", s.Text)
	if err != nil {
		return nil, err
	}
	loop, err := loopAttr("Speak", s.Loop)
	if err != nil {
		return nil, err
	}
	return el, attrs(el, "voice", s.Voice, "language", s.Language, "loop", loop)
}

func loopAttr(verb string, loop *int) (string, error) {
	if loop == nil {
		return "", nil
	}
	if *loop < 0 {
		return "", fmt.Errorf("%s loop %d: use an integer >= 0 (0 repeats until the call ends)", verb, *loop)
	}
	return strconv.Itoa(*loop), nil
}

// Message is Plivo's <Message> verb: a message sent from Src to Dst.
type Message struct {
	// Text is the message body. Required.
	Text string
	// Src is the sender, a Plivo number. Required.
	Src string
	// Dst is the recipient; several are separated by '<'. Required.
	Dst string
	// Type is sms, mms or whatsapp. Empty leaves Plivo's default (sms).
	Type string
	// CallbackURL receives the message's status; absolute http or https.
	CallbackURL string
	// CallbackMethod is GET or POST, for CallbackURL.
	CallbackMethod string
}

// Element implements [Verb].
func (m Message) Element() (*etree.Element, error) {
	switch {
	case m.Src == "":
		return nil, fmt.Errorf("Message needs src")
	case m.Dst == "":
		return nil, fmt.Errorf("Message needs dst")
	case m.Text == "":
		return nil, fmt.Errorf("Message needs text")
	}
	switch m.Type {
	case "", "sms", "mms", "whatsapp":
	default:
		return nil, fmt.Errorf("Message type %q: use sms, mms or whatsapp", m.Type)
	}
	if err := checkCallback("Message", m.CallbackURL, m.CallbackMethod); err != nil {
		return nil, err
	}
	el, err := textElement("Message", m.Text)
	if err != nil {
		return nil, err
	}
	return el, attrs(el, "src", m.Src, "dst", m.Dst, "type", m.Type,
		"callbackUrl", m.CallbackURL, "callbackMethod", m.CallbackMethod)
}

func checkCallback(verb, rawURL, method string) error {
	if rawURL != "" {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s callback URL %q: use an absolute http or https URL", verb, rawURL)
		}
	}
	switch method {
	case "", "GET", "POST":
		return nil
	}
	return fmt.Errorf("%s callback method %q: use GET or POST", verb, method)
}
