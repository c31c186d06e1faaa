// Package xmlresp builds the XML documents that telephony providers expect in
// answer to a webhook: Plivo XML (the verbs a call flow uses: Speak, Play,
// Wait, DTMF, GetInput, GetDigits, PreAnswer, Redirect, Dial with Number and
// User, Record, Hangup, and Message) and TwiML/LaML (Say, Message). Each
// Plivo verb checks its attributes against the values Plivo's XML reference
// documents (its doc comment names the page), and [Render] returns an error
// that names the documented values rather than a document Plivo would
// reject. Text and attributes are escaped as Plivo's own XML builder escapes
// them; the golden files in handlers/testdata/plivo-xml and
// xmlresp/testdata/plivo-sdk are made by that builder.
package xmlresp

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// ErrInvalid is wrapped by every validation error from [Render].
var ErrInvalid = errors.New("invalid XML response")

// Verb is one element of a <Response>, such as [Speak] or [Message]. A verb
// of your own implements it too: Element returns the element, or an error
// when a value is one the provider would refuse.
type Verb interface {
	Element() (*etree.Element, error)
}

// Render returns <Response> holding verbs, in order, with no XML declaration
// and no indentation, as Plivo's own examples look.
func Render(verbs ...Verb) ([]byte, error) {
	doc := etree.NewDocument()
	// Escape as Plivo's own XML builder does: in text & < > and CR; in
	// attributes & < " and tab, newline and CR as character references, so
	// that they survive parsing instead of turning into spaces.
	doc.WriteSettings.CanonicalText = true
	doc.WriteSettings.CanonicalAttrVal = true
	root := doc.CreateElement("Response")
	for i, v := range verbs {
		el, err := v.Element()
		if err != nil {
			return nil, fmt.Errorf("%w: verb %d: %w", ErrInvalid, i+1, err)
		}
		root.AddChild(el)
	}
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return buf.Bytes(), nil
}

// MustRender is Render for documents fixed at start-up; it panics on error.
func MustRender(verbs ...Verb) []byte {
	b, err := Render(verbs...)
	if err != nil {
		panic(err)
	}
	return b
}

// validText reports an error when s cannot appear in an XML document: invalid
// UTF-8, or a character outside XML 1.0's Char production (most control
// characters, NUL among them). Escaping cannot fix those.
func validText(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if !(r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return fmt.Errorf("%s holds character %U, which XML cannot carry", what, r)
		}
	}
	return nil
}

// Bool is a boolean attribute that may also be left out: Plivo then applies
// its documented default. A bool could not tell "false" from "left out";
// with Bool, redirect="false" and no redirect (Plivo's default, true) are
// both written as meant.
type Bool uint8

// The values of a [Bool]: Unset (the zero value) writes no attribute and
// leaves Plivo's documented default; True and False write "true" and "false".
const (
	Unset Bool = iota
	True
	False
)

// attr is b as an attribute value: "" (absent), "true" or "false".
func (b Bool) attr() string {
	switch b {
	case True:
		return "true"
	case False:
		return "false"
	}
	return ""
}

// checkBools refuses a Bool that is none of Unset, True and False.
func checkBools(verb string, bs ...Bool) error {
	for _, b := range bs {
		if b > False {
			return fmt.Errorf("%s: Bool(%d) is not a value: use xmlresp.True, xmlresp.False or leave it Unset", verb, b)
		}
	}
	return nil
}

// attrs sets the non-empty attributes on el, after checking each value.
func attrs(el *etree.Element, kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if err := validText(kv[i], kv[i+1]); err != nil {
			return err
		}
		el.CreateAttr(kv[i], kv[i+1])
	}
	return nil
}

// textElement returns <tag>text</tag> after checking text.
func textElement(tag, text string) (*etree.Element, error) {
	if err := validText(tag+" text", text); err != nil {
		return nil, err
	}
	el := etree.NewElement(tag)
	el.SetText(text)
	return el, nil
}
