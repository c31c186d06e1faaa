package xmlresp

import (
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

const (
	ruleAction = "https://a.example/c/"
	ruleMP3    = "https://a.example/a.mp3"
)

var ruleNumber = []Verb{Number{Digits: "14155550100"}}

// verbRules has a row per documented rule of each verb, for TestVerbRules.
var verbRules = []struct {
	name string
	verb Verb
	want string // the element, when accepted
	err  string // in the error, when refused
}{
	{"play https", Play{URL: ruleMP3, Loop: Loop(0)}, `<Play loop="0">` + ruleMP3 + `</Play>`, ""},
	{"play http", Play{URL: "http://a.example/a.mp3"}, "", "use an absolute https URL"},
	{"play relative", Play{URL: "/a.mp3"}, "", "https"},
	{"play without URL", Play{}, "", "needs a URL"},
	{"play loop -1", Play{URL: ruleMP3, Loop: Loop(-1)}, "", "use an integer >= 0"},

	{"wait, all", Wait{Length: 30, Silence: True, MinSilence: 1000, Beep: False}, `<Wait length="30" silence="true" minSilence="1000" beep="false"/>`, ""},
	{"wait minSilence -1", Wait{Length: 1, MinSilence: -1}, "", "use at least 1 millisecond"},
	{"wait no Bool", Wait{Length: 1, Silence: 3}, "", "use xmlresp.True, xmlresp.False or leave it Unset"},

	{"dtmf", DTMF{Digits: "1ww2W*#", Async: False}, `<DTMF async="false">1ww2W*#</DTMF>`, ""},
	{"dtmf empty", DTMF{}, "", "use 0-9, *, #, w (wait 0.5 s) and W (wait 1 s)"},
	{"dtmf letter", DTMF{Digits: "12a"}, "", "use 0-9, *, #, w"},

	{"hangup scheduled", Hangup{Schedule: 60}, `<Hangup schedule="60"/>`, ""},
	{"hangup rejected", Hangup{Reason: "rejected"}, `<Hangup reason="rejected"/>`, ""},
	{"hangup schedule -1", Hangup{Schedule: -1}, "", "use at least 1 second"},
	{"hangup reason", Hangup{Reason: "bored"}, "", "use rejected or busy"},

	{"preanswer", PreAnswer{Verbs: []Verb{Speak{Text: "Hi"}, Play{URL: ruleMP3}, Wait{Length: 1}}},
		`<PreAnswer><Speak>Hi</Speak><Play>` + ruleMP3 + `</Play><Wait length="1"/></PreAnswer>`, ""},
	{"preanswer nesting GetDigits", PreAnswer{Verbs: []Verb{GetDigits{}}}, "", "GetDigits cannot be nested in PreAnswer"},
	{"preanswer nesting Dial", PreAnswer{Verbs: []Verb{Dial{Targets: ruleNumber}}}, "", "cannot be nested in PreAnswer"},

	{"getinput finishOnKey none", GetInput{Action: ruleAction, InputType: "dtmf", FinishOnKey: "none", Redirect: False},
		`<GetInput action="` + ruleAction + `" inputType="dtmf" finishOnKey="none" redirect="false"/>`, ""},
	{"getinput finishOnKey two keys", GetInput{Action: ruleAction, InputType: "dtmf", FinishOnKey: "##"}, "", "use one of 0-9, * and #, or none"},
	{"getinput speechEndTimeout 1", GetInput{Action: ruleAction, InputType: "speech", SpeechEndTimeout: 1}, "", "use 2 to 10"},
	{"getinput speechEndTimeout 11", GetInput{Action: ruleAction, InputType: "speech", SpeechEndTimeout: 11}, "", "use 2 to 10"},
	{"getinput digitEndTimeout 1", GetInput{Action: ruleAction, InputType: "dtmf", DigitEndTimeout: 1}, "", "use 2 to 10"},
	{"getinput executionTimeout 4", GetInput{Action: ruleAction, InputType: "dtmf", ExecutionTimeout: 4}, "", "use 5 to 60"},
	{"getinput numDigits 0 is Plivo's default", GetInput{Action: ruleAction, InputType: "dtmf", NumDigits: 0}, `<GetInput action="` + ruleAction + `" inputType="dtmf"/>`, ""},
	{"getinput numDigits -1", GetInput{Action: ruleAction, InputType: "dtmf", NumDigits: -1}, "", "use 1 to 32"},
	{"getinput speechModel", GetInput{Action: ruleAction, InputType: "speech", SpeechModel: "video"}, "", "use default, command_and_search or phone_call"},
	{"getinput 500 hints", GetInput{Action: ruleAction, InputType: "speech", Hints: strings.Repeat("a,", 499) + "a"}, "", ""},
	{"getinput 501 hints", GetInput{Action: ruleAction, InputType: "speech", Hints: strings.Repeat("a,", 500) + "a"}, "", "use at most 500"},
	{"getinput hint of 101", GetInput{Action: ruleAction, InputType: "speech", Hints: "yes, " + strings.Repeat("b", 101)}, "", "use at most 100 characters a phrase"},
	{"getinput hints of 10,001", GetInput{Action: ruleAction, InputType: "speech", Hints: strings.Repeat(strings.Repeat("c", 99)+",", 100) + "c"}, "", "use at most 10,000"},
	{"getinput interim callback relative", GetInput{Action: ruleAction, InputType: "speech", InterimSpeechResultsCallback: "/i/"}, "", "use an absolute http or https URL"},
	{"getinput interim method", GetInput{Action: ruleAction, InputType: "speech", InterimSpeechResultsCallbackMethod: "PUT"}, "", "use GET or POST"},
	{"getinput Bool", GetInput{Action: ruleAction, InputType: "speech", Log: 9}, "", "use xmlresp.True, xmlresp.False"},
	{"getinput nesting Record", GetInput{Action: ruleAction, InputType: "dtmf", Prompt: []Verb{Record{}}}, "", "Record cannot be nested in GetInput"},

	{"getdigits, Plivo's defaults", GetDigits{}, `<GetDigits/>`, ""},
	{"getdigits finishOnKey none", GetDigits{Action: ruleAction, FinishOnKey: "none", Redirect: False},
		`<GetDigits action="` + ruleAction + `" finishOnKey="none" redirect="false"/>`, ""},
	{"getdigits finishOnKey x", GetDigits{FinishOnKey: "x"}, "", "use one of 0-9, * and #, or none"},
	{"getdigits timeout -1", GetDigits{Timeout: -1}, "", "use at least 1"},
	{"getdigits digitTimeout -1", GetDigits{DigitTimeout: -1}, "", "use at least 1"},
	{"getdigits numDigits -1", GetDigits{NumDigits: -1}, "", "use at least 1"},
	{"getdigits retries -1", GetDigits{Retries: -1}, "", "use at least 1"},
	{"getdigits validDigits", GetDigits{ValidDigits: "12a"}, "", "use keys from 0-9, * and #"},
	{"getdigits invalidDigitsSound relative", GetDigits{InvalidDigitsSound: "/no.mp3"}, "", "use an absolute http or https URL"},
	{"getdigits action relative", GetDigits{Action: "/ivr/"}, "", "use an absolute http or https URL"},
	{"getdigits method", GetDigits{Method: "PUT"}, "", "use GET or POST"},
	{"getdigits nesting Dial", GetDigits{Prompt: []Verb{Dial{Targets: ruleNumber}}}, "", "Dial cannot be nested in GetDigits"},

	{"dial dialMusic real", Dial{DialMusic: "real", Targets: ruleNumber}, `<Dial dialMusic="real"><Number>14155550100</Number></Dial>`, ""},
	{"dial dialMusic word", Dial{DialMusic: "fake", Targets: ruleNumber}, "", "use an absolute http or https URL"},
	{"dial callerName 50", Dial{CallerName: strings.Repeat("é", 50), Targets: ruleNumber}, "", ""},
	{"dial callerName 51", Dial{CallerName: strings.Repeat("n", 51), Targets: ruleNumber}, "", "use at most 50"},
	{"dial confirmKey", Dial{ConfirmKey: "12", Targets: ruleNumber}, "", "use one of 0-9, * and #"},
	{"dial timeLimit -1", Dial{TimeLimit: -1, Targets: ruleNumber}, "", "use at least 1 second"},
	{"dial callbackUrl relative", Dial{CallbackURL: "/events/", Targets: ruleNumber}, "", "use an absolute http or https URL"},
	{"dial callbackMethod", Dial{CallbackMethod: "PUT", Targets: ruleNumber}, "", "use GET or POST"},
	{"dial confirmSound relative", Dial{ConfirmSound: "/c.xml", Targets: ruleNumber}, "", "use an absolute http or https URL"},
	{"dial redirect false", Dial{Action: ruleAction, Redirect: False, Targets: ruleNumber}, `<Dial action="` + ruleAction + `" redirect="false"><Number>14155550100</Number></Dial>`, ""},
	{"number sendDigits", Dial{Targets: []Verb{Number{Digits: "14155550100", SendDigits: "12x"}}}, "", "use 0-9, *, #, w"},
	{"user Bool", Dial{Targets: []Verb{User{SIP: "sip:a@b.example", SendOnPreanswer: 4}}}, "", "use xmlresp.True"},

	{"record finishOnKey none", Record{FinishOnKey: "none", Redirect: False}, `<Record redirect="false" finishOnKey="none"/>`, ""},
	{"record channel", Record{RecordChannelType: "quad"}, "", "use mono or stereo"},
	{"record transcriptionType", Record{TranscriptionType: "hybrid"}, "", "use auto"},
	{"record transcriptionUrl relative", Record{TranscriptionURL: "/t/"}, "", "use an absolute http or https URL"},
	{"record transcriptionMethod", Record{TranscriptionMethod: "PUT"}, "", "use GET or POST"},
	{"record callbackUrl relative", Record{CallbackURL: "/r/"}, "", "use an absolute http or https URL"},
	{"record callbackMethod", Record{CallbackMethod: "PUT"}, "", "use GET or POST"},
	{"record finishOnKey two keys", Record{FinishOnKey: "#*"}, "", "use one of 0-9, * and #, or none"},
}

// TestVerbRules checks each row of verbRules: the value accepted renders as
// shown, the value Plivo would refuse is an error that names the documented
// values.
func TestVerbRules(t *testing.T) {
	for _, tt := range verbRules {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Render(tt.verb)
			switch {
			case tt.err != "":
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Render = %s, %v; want an error saying %q", doc, err, tt.err)
				}
			case err != nil:
				t.Fatalf("Render: %v", err)
			case tt.want != "" && string(doc) != "<Response>"+tt.want+"</Response>":
				t.Fatalf("Render = %s\nwant <Response>%s</Response>", doc, tt.want)
			}
		})
	}
}

// TestBoolAttributes states the tri-state for every Bool field of every
// verb: Unset writes no attribute, True writes "true", False writes
// "false", each under the field's name as Plivo spells the attribute.
func TestBoolAttributes(t *testing.T) {
	verbs := []Verb{
		Wait{Length: 1}, DTMF{Digits: "1"}, GetInput{Action: "https://a.example/", InputType: "dtmf"}, GetDigits{},
		Dial{Targets: []Verb{Number{Digits: "14155550100"}}}, Number{Digits: "14155550100"}, User{SIP: "sip:a@b.example"}, Record{},
	}
	fields := 0
	for _, v := range verbs {
		rv := reflect.ValueOf(v)
		for i := range rv.NumField() {
			f := rv.Type().Field(i)
			if f.Type != reflect.TypeFor[Bool]() {
				continue
			}
			fields++
			attr := string(unicode.ToLower(rune(f.Name[0]))) + f.Name[1:]
			for b, want := range map[Bool]string{Unset: "", True: "true", False: "false"} {
				set := reflect.New(rv.Type()).Elem()
				set.Set(rv)
				set.Field(i).Set(reflect.ValueOf(b))
				doc, err := Render(set.Interface().(Verb))
				if err != nil {
					t.Fatalf("%T.%s = %d: %v", v, f.Name, b, err)
				}
				if got := attrOf(t, doc, attr); got != want {
					t.Errorf("%T.%s = %d wrote %s=%q, want %q\n%s", v, f.Name, b, attr, got, want, doc)
				}
			}
		}
	}
	if fields < 17 {
		t.Fatalf("walked %d Bool fields; the verbs hold more", fields)
	}
}

// attrOf returns the value of the first element's attribute name, or "".
func attrOf(t *testing.T, doc []byte, name string) string {
	t.Helper()
	var r struct {
		Verb struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(doc, &r); err != nil {
		t.Fatal(err)
	}
	for _, a := range r.Verb.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
