package xmlresp

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
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
// the same text, or is refused; never bad XML. A Speak it accepts has a
// voice and language Plivo documents and at most 3,000 characters; a
// GetInput, documented keys and bounds; a DTMF, only tones.
func FuzzRender(f *testing.F) {
	f.Add("Hello, from Plivo", "14155550100", "", "", 1)
	f.Add("<&>\"'", "\x00", "MAN", "sv-SE", 33)
	f.Add("line\r\nbreak", "a\tb\nc\rd", "Polly.Joanna-Neural", "en-US", -1)
	f.Add("Olá, tudo bem?", "none", "Polly.Vitória", "pt-BR", 32)
	f.Add("hola, adiós", "1ww2#", "Polly.Lupe-Standard", "es-US", 0)
	for _, code := range speakLanguageCodes() {
		f.Add("Hi", "#", "Polly."+speakLanguages[code].polly[0], code, 1)
	}
	f.Fuzz(func(t *testing.T, text, number, voice, lang string, n int) {
		if out, err := Render(Message{Src: number, Dst: number, Text: text}); err == nil {
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
		}
		fuzzSpeak(t, text, voice, lang)
		fuzzGetInput(t, text, number, n)
		if _, err := Render(DTMF{Digits: number}); err == nil && strings.Trim(number, "0123456789*#wW") != "" {
			t.Fatalf("DTMF %q accepted", number)
		}
	})
}

// fuzzSpeak: an accepted Speak parses back whole, within Plivo's bounds.
func fuzzSpeak(t *testing.T, text, voice, lang string) {
	out, err := Render(Speak{Text: text, Voice: voice, Language: lang})
	if err != nil {
		return
	}
	var s struct {
		Speak struct {
			Voice    string `xml:"voice,attr"`
			Language string `xml:"language,attr"`
			Text     string `xml:",chardata"`
		}
	}
	if err := xml.Unmarshal(out, &s); err != nil {
		t.Fatalf("Speak made XML that does not parse: %v\n%s", err, out)
	}
	known, ok := speakLanguages[cmp.Or(lang, "en-US")]
	switch {
	case s.Speak.Text != text || s.Speak.Voice != voice || s.Speak.Language != lang:
		t.Fatalf("Speak %q %q %q came back as %q %q %q", text, voice, lang, s.Speak.Text, s.Speak.Voice, s.Speak.Language)
	case utf8.RuneCountInString(text) > 3000:
		t.Fatalf("Speak of %d characters accepted", utf8.RuneCountInString(text))
	case !ok:
		t.Fatalf("Speak language %q accepted; Plivo documents no such language", lang)
	case !slices.Contains(strings.Split(known.voices(), ", "), cmp.Or(voice, "WOMAN")) &&
		!slices.Contains(strings.Split(unaccent.Replace(known.voices()), ", "), voice):
		t.Fatalf("Speak voice %q accepted for %s; it speaks %s", voice, cmp.Or(lang, "en-US"), known.voices())
	}
}

// fuzzGetInput: an accepted GetInput has documented keys and bounds, and its
// hints come back whole.
func fuzzGetInput(t *testing.T, hints, key string, n int) {
	out, err := Render(GetInput{Action: "https://a.example/", InputType: "speech", FinishOnKey: key, Hints: hints, NumDigits: n})
	if err != nil {
		return
	}
	var g struct {
		GetInput struct {
			Hints string `xml:"hints,attr"`
		}
	}
	if err := xml.Unmarshal(out, &g); err != nil {
		t.Fatalf("GetInput made XML that does not parse: %v\n%s", err, out)
	}
	switch {
	case g.GetInput.Hints != hints:
		t.Fatalf("hints %q came back as %q", hints, g.GetInput.Hints)
	case n < 0 || n > 32:
		t.Fatalf("numDigits %d accepted", n)
	case key != "" && key != "none" && (len(key) != 1 || !strings.Contains("0123456789*#", key)):
		t.Fatalf("finishOnKey %q accepted", key)
	}
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
