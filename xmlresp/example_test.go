package xmlresp_test

import (
	"fmt"

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
	// Output: invalid XML response: verb 1: Speak voice "ROBOT": use MAN, WOMAN or Polly.<Name>
}
