package xmlresp

import (
	"fmt"

	"github.com/beevik/etree"
)

// Say is the TwiML (and SignalWire LaML) <Say> verb: text read out to the
// caller.
type Say struct {
	// Text is what is said. Required.
	Text string
	// Voice is man, woman, alice or an Amazon Polly voice (Polly.Joanna).
	// Empty leaves the provider's default.
	Voice string
	// Language is a language code such as en-US.
	Language string
	// Loop is how many times the text is said; 0 repeats it until the call
	// ends. Nil leaves the default (once).
	Loop *int
}

// Element implements [Verb].
func (s Say) Element() (*etree.Element, error) {
	return spoken("Say", s.Text, s.Voice, s.Language, s.Loop)
}

// TwiMLMessage is the TwiML (and LaML) <Message> verb, which answers an
// incoming message; unlike Plivo's it needs no numbers: To and From default
// to the sender and the receiving number.
type TwiMLMessage struct {
	Text string // the reply. Required.
	To   string // optional
	From string // optional
}

// Element implements [Verb].
func (m TwiMLMessage) Element() (*etree.Element, error) {
	if m.Text == "" {
		return nil, fmt.Errorf("Message needs text")
	}
	el, err := textElement("Message", m.Text)
	if err != nil {
		return nil, err
	}
	return el, attrs(el, "to", m.To, "from", m.From)
}
