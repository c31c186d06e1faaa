package xmlresp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		file  string
		verbs []Verb
	}{
		{"speak_default.xml", []Verb{Speak{Text: "Hello, from Plivo", Loop: Loop(3)}}},
		{"speak_full.xml", []Verb{Speak{Text: "Bonjour", Voice: "Polly.Celine", Language: "fr-FR", Loop: Loop(0)}}},
		{"message.xml", []Verb{Message{Src: "14155550111", Dst: "14155550100", Type: "sms", Text: "Thanks"}}},
		{"message_callback.xml", []Verb{Message{Src: "1", Dst: "2<3", Type: "whatsapp", Text: "hi",
			CallbackURL: "https://example.com/status?a=1&b=2", CallbackMethod: "POST"}}},
		{"escaped.xml", []Verb{Speak{Text: `Tom & "Jerry" <b>'s</b> ]]> café 🎉`},
			Message{Src: `"><Hangup/>`, Dst: "2", Text: "a&b"}}},
		{"say_full.xml", []Verb{Say{Text: "Hello", Voice: "Polly.Joanna", Language: "en-US", Loop: Loop(2)}}},
		{"twiml_message.xml", []Verb{TwiMLMessage{Text: "Thanks", To: "+14155550100", From: "+14155550111"}}},
		{"empty.xml", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Render(tt.verbs...)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, got)
			// Whatever we emit parses back to the same text.
			var doc struct {
				Children []struct {
					XMLName xml.Name
					Text    string `xml:",chardata"`
				} `xml:",any"`
			}
			if err := xml.Unmarshal(got, &doc); err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			for i, c := range doc.Children {
				if want := text(tt.verbs[i]); c.Text != want {
					t.Errorf("child %d text = %q, want %q", i, c.Text, want)
				}
			}
		})
	}
}

func text(v Verb) string {
	switch v := v.(type) {
	case Speak:
		return v.Text
	case Message:
		return v.Text
	case Say:
		return v.Text
	case TwiMLMessage:
		return v.Text
	}
	return ""
}

func TestRenderRejects(t *testing.T) {
	tests := []struct {
		name string
		verb Verb
		want string
	}{
		{"speak without text", Speak{}, "text"},
		{"unknown voice", Speak{Text: "x", Voice: "ROBOT"}, "voice"},
		{"polly without name", Speak{Text: "x", Voice: "Polly."}, "voice"},
		{"bad language", Speak{Text: "x", Language: "English"}, "language"},
		{"negative loop", Speak{Text: "x", Loop: Loop(-1)}, "loop"},
		{"NUL in text", Speak{Text: "a\x00b"}, "U+0000"},
		{"invalid UTF-8", Speak{Text: "a\xffb"}, "UTF-8"},
		{"message without src", Message{Dst: "2", Text: "x"}, "src"},
		{"message without dst", Message{Src: "1", Text: "x"}, "dst"},
		{"message without text", Message{Src: "1", Dst: "2"}, "text"},
		{"message type", Message{Src: "1", Dst: "2", Text: "x", Type: "fax"}, "type"},
		{"relative callback", Message{Src: "1", Dst: "2", Text: "x", CallbackURL: "/status"}, "callback URL"},
		{"callback method", Message{Src: "1", Dst: "2", Text: "x", CallbackMethod: "PUT"}, "callback method"},
		{"control char in attribute", Message{Src: "1\x01", Dst: "2", Text: "x"}, "U+0001"},
		{"say without text", Say{}, "text"},
		{"say loop", Say{Text: "x", Loop: Loop(-2)}, "loop"},
		{"twiml message without text", TwiMLMessage{}, "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Render(tt.verb)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) || out != nil {
				t.Errorf("Render = %q, %v; want an ErrInvalid mentioning %q", out, err, tt.want)
			}
		})
	}
}

// FuzzRender checks that any text either renders to XML that parses back to
// the same text, or is refused; never bad XML.
func FuzzRender(f *testing.F) {
	f.Add("Hello, from Plivo", "14155550100")
	f.Add("<&>\"'", "\x00")
	f.Add("line\r\nbreak", "a\tb\nc\rd")
	f.Fuzz(func(t *testing.T, text, number string) {
		out, err := Render(Message{Src: number, Dst: number, Text: text})
		if err != nil {
			return
		}
		var m struct {
			Message struct {
				Src  string `xml:"src,attr"`
				Text string `xml:",chardata"`
			}
		}
		if err := xml.Unmarshal(out, &m); err != nil {
			t.Fatalf("Render(%q) made XML that does not parse: %v\n%s", text, err, out)
		}
		// Everything survives parsing: CR in text, and tab, newline and CR in
		// attributes, are written as character references, which a parser
		// keeps, not as characters, which it normalises to spaces and newlines.
		if m.Message.Text != text || m.Message.Src != number {
			t.Fatalf("text %q and src %q came back as %q and %q\n%s", text, number, m.Message.Text, m.Message.Src, out)
		}
	})
}

// TestCallFlowVerbs checks each verb a first IVR uses against Plivo's
// documented values: what it accepts renders, what Plivo would refuse is an
// error, and only the allowed verbs nest.
func TestCallFlowVerbs(t *testing.T) {
	speak := Speak{Text: "Hi"}
	tests := []struct {
		name string
		verb Verb
		want string // the element, or "" for an error
	}{
		{"play", Play{URL: "https://a.example/a.mp3", Loop: Loop(2)}, `<Play loop="2">https://a.example/a.mp3</Play>`},
		{"play a relative URL", Play{URL: "/a.mp3"}, ""},
		{"wait", Wait{Length: 3}, `<Wait length="3"/>`},
		{"wait zero", Wait{}, ""},
		{"redirect", Redirect{URL: "https://a.example/ivr/", Method: "GET"}, `<Redirect method="GET">https://a.example/ivr/</Redirect>`},
		{"redirect PUT", Redirect{URL: "https://a.example/ivr/", Method: "PUT"}, ""},
		{"hangup", Hangup{Reason: "busy"}, `<Hangup reason="busy"/>`},
		{"hangup for no reason Plivo knows", Hangup{Reason: "bored"}, ""},
		{"getinput", GetInput{Action: "https://a.example/c/", InputType: "dtmf speech", ExecutionTimeout: 5, DigitEndTimeout: 2,
			NumDigits: 4, Language: "en-US", Redirect: True, Prompt: []Verb{speak, Play{URL: "https://a.example/a.mp3"}, Wait{Length: 1}}},
			`<GetInput action="https://a.example/c/" inputType="dtmf speech" executionTimeout="5" digitEndTimeout="2" numDigits="4" language="en-US" redirect="true"><Speak>Hi</Speak><Play>https://a.example/a.mp3</Play><Wait length="1"/></GetInput>`},
		{"getinput without action", GetInput{InputType: "dtmf"}, ""},
		{"getinput other input", GetInput{Action: "https://a.example/c/", InputType: "voice"}, ""},
		{"getinput numDigits 33", GetInput{Action: "https://a.example/c/", InputType: "dtmf", NumDigits: 33}, ""},
		{"getinput timeout 61", GetInput{Action: "https://a.example/c/", InputType: "dtmf", ExecutionTimeout: 61}, ""},
		{"getinput nesting a Dial", GetInput{Action: "https://a.example/c/", InputType: "dtmf", Prompt: []Verb{Dial{Targets: []Verb{Number{Digits: "14155550100"}}}}}, ""},
		{"dial", Dial{CallerID: "14155550111", Timeout: 20, Targets: []Verb{Number{Digits: "+14155550100"}, User{SIP: "sip:alice@phone.plivo.com"}}},
			`<Dial timeout="20" callerId="14155550111"><Number>+14155550100</Number><User>sip:alice@phone.plivo.com</User></Dial>`},
		{"dial nobody", Dial{}, ""},
		{"dial nesting a Speak", Dial{Targets: []Verb{speak}}, ""},
		{"dial several numbers in one", Dial{Targets: []Verb{Number{Digits: "14155550100<14155550101"}}}, ""},
		{"user not SIP", Dial{Targets: []Verb{User{SIP: "alice"}}}, ""},
		{"record", Record{Action: "https://a.example/vm/", Method: "POST", FileFormat: "wav", Redirect: False, Timeout: 5,
			MaxLength: 120, FinishOnKey: "*", PlayBeep: False},
			`<Record action="https://a.example/vm/" method="POST" fileFormat="wav" redirect="false" timeout="5" maxLength="120" finishOnKey="*" playBeep="false"/>`},
		{"record, Plivo's defaults", Record{}, `<Record/>`},
		{"record a relative action", Record{Action: "/vm/"}, ""},
		{"record ogg", Record{FileFormat: "ogg"}, ""},
		{"record maxLength 1", Record{MaxLength: 1}, ""},
		{"record negative timeout", Record{Timeout: -1}, ""},
		{"record finishOnKey two keys", Record{FinishOnKey: "#*"}, ""},
		{"record finishOnKey a letter", Record{FinishOnKey: "a"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Render(tt.verb)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Render = %s, %v; want an error wrapping ErrInvalid", doc, err)
				}
				return
			}
			if want := "<Response>" + tt.want + "</Response>"; err != nil || string(doc) != want {
				t.Fatalf("Render = %s, %v\nwant %s", doc, err, want)
			}
		})
	}
}

// TestAttributeWhitespace: a tab, newline or CR in an attribute is written
// as a character reference, which a parser keeps; written as itself, a
// parser would turn it into a space.
func TestAttributeWhitespace(t *testing.T) {
	doc, err := Render(Message{Src: "1", Dst: "a\tb\nc\rd", Text: "x"})
	if want := `<Response><Message src="1" dst="a&#x9;b&#xA;c&#xD;d">x</Message></Response>`; err != nil || string(doc) != want {
		t.Fatalf("Render = %s, %v\nwant %s", doc, err, want)
	}
}
