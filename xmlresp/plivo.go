package xmlresp

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/beevik/etree"
)

// Speak is Plivo's <Speak> verb: text read out to the caller
// (https://www.plivo.com/docs/voice/xml/audio-output#speak).
type Speak struct {
	// Text is what is said, at most 3,000 characters. Required.
	Text string
	// Voice is MAN, WOMAN or an Amazon Polly voice of Language, such as
	// Polly.Joanna for en-US (the documented voices are in voices.go). Empty
	// leaves Plivo's default (WOMAN).
	Voice string
	// Language is a language code Plivo documents for Speak, such as en-US
	// or pt-BR, that Voice speaks. Empty leaves Plivo's default (en-US).
	Language string
	// Loop is how many times the text is said; 0 repeats it until the call
	// ends. Nil leaves Plivo's default (once).
	Loop *int
}

// Loop returns a pointer to n, for [Speak.Loop], [Play.Loop] and [Say.Loop].
func Loop(n int) *int { return &n }

var language = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// Element implements [Verb].
func (s Speak) Element() (*etree.Element, error) {
	if s.Text != "" {
		if err := checkSpeech(s.Text, s.Voice, s.Language); err != nil {
			return nil, err
		}
	}
	return spoken("Speak", s.Text, s.Voice, s.Language, s.Loop)
}

// spoken is a <Speak> or a <Say>: text, checked, with its voice, language
// and loop.
func spoken(verb, text, voice, lang string, loop *int) (*etree.Element, error) {
	if text == "" {
		return nil, fmt.Errorf("%s needs text", verb)
	}
	if lang != "" && !language.MatchString(lang) {
		return nil, fmt.Errorf("%s language %q: use a code such as en-US", verb, lang)
	}
	el, err := textElement(verb, text)
	if err != nil {
		return nil, err
	}
	loops, err := loopAttr(verb, loop)
	if err != nil {
		return nil, err
	}
	return el, attrs(el, "voice", voice, "language", lang, "loop", loops)
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

// Message is Plivo's <Message> verb: a message sent from Src to Dst
// (https://www.plivo.com/docs/messaging/xml/message).
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

// checkCallback checks a verb's callback URL and its method.
func checkCallback(verb, rawURL, method string) error {
	if err := checkURL(verb+" callback", rawURL, false); err != nil {
		return err
	}
	return checkMethod(verb+" callback", method)
}
