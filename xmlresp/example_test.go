package xmlresp_test

import (
	"errors"
	"fmt"

	"github.com/beevik/etree"

	"answerurl/xmlresp"
)

func ExampleRender() {
	doc, err := xmlresp.Render(xmlresp.Speak{Text: "Hello, from Plivo", Loop: xmlresp.Loop(3)})
	fmt.Println(string(doc), err)
	// Output: <Response><Speak loop="3">Hello, from Plivo</Speak></Response> <nil>
}

func ExampleMessage() {
	doc, _ := xmlresp.Render(xmlresp.Message{Src: "14155550111", Dst: "14155550100", Type: "sms", Text: "Thanks & bye"})
	fmt.Println(string(doc))
	// Output: <Response><Message src="14155550111" dst="14155550100" type="sms">Thanks &amp; bye</Message></Response>
}

func ExampleRender_invalid() {
	_, err := xmlresp.Render(xmlresp.Speak{Text: "Hi", Voice: "ROBOT"})
	fmt.Println(err)
	// Output: invalid XML response: verb 1: Speak voice "ROBOT": use one that speaks en-US: WOMAN, MAN, Polly.Joanna, Polly.Salli, Polly.Kendra, Polly.Kimberly, Polly.Ivy, Polly.Matthew, Polly.Justin, Polly.Joey
}

// A menu: GetInput speaks the choices and sends the digit pressed to its
// action URL; what follows runs when nothing is pressed.
func ExampleGetInput() {
	doc, _ := xmlresp.Render(
		xmlresp.GetInput{Action: "https://answer.example.com/ivr/choice/", Method: "POST", InputType: "dtmf", NumDigits: 1,
			Prompt: []xmlresp.Verb{xmlresp.Speak{Text: "Press 1 for sales."}}},
		xmlresp.Speak{Text: "Goodbye."},
		xmlresp.Hangup{},
	)
	fmt.Println(string(doc))
	// Output: <Response><GetInput action="https://answer.example.com/ivr/choice/" method="POST" inputType="dtmf" numDigits="1"><Speak>Press 1 for sales.</Speak></GetInput><Speak>Goodbye.</Speak><Hangup/></Response>
}

// A Bool attribute is Unset (Plivo's default), True or False. Here
// GetDigits only reports the key pressed (redirect="false") and the call
// goes on; Record is ended by no key (finishOnKey="none") and beeps as
// Plivo does by default (PlayBeep left Unset).
func ExampleBool() {
	doc, _ := xmlresp.Render(
		xmlresp.GetDigits{Action: "https://answer.example.com/log-input/", NumDigits: 1, Redirect: xmlresp.False,
			Prompt: []xmlresp.Verb{xmlresp.Speak{Text: "Press any key."}}},
		xmlresp.Record{Action: "https://answer.example.com/vm/", FinishOnKey: "none", MaxLength: 30},
	)
	fmt.Println(string(doc))
	// Output: <Response><GetDigits action="https://answer.example.com/log-input/" numDigits="1" redirect="false"><Speak>Press any key.</Speak></GetDigits><Record action="https://answer.example.com/vm/" maxLength="30" finishOnKey="none"/></Response>
}

// Conference is a verb of your own: anything with an Element method is a
// Verb, and is escaped and rendered like the package's own.
type Conference struct{ Room string }

func (c Conference) Element() (*etree.Element, error) {
	if c.Room == "" {
		return nil, errors.New("Conference needs a room")
	}
	el := etree.NewElement("Conference")
	el.SetText(c.Room)
	return el, nil
}

func ExampleVerb() {
	doc, _ := xmlresp.Render(xmlresp.Speak{Text: "Joining."}, Conference{Room: "standup & co"})
	fmt.Println(string(doc))
	// Output: <Response><Speak>Joining.</Speak><Conference>standup &amp; co</Conference></Response>
}
