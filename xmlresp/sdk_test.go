package xmlresp

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// sdkSpeak is a Speak of text with Plivo's defaults.
func sdkSpeak(text string) Speak { return Speak{Text: text} }

// sdkDocs are the documents of testdata/plivo-sdk.js, by file name.
var sdkDocs = map[string][]Verb{
	"getdigits_menu": {
		GetDigits{Action: "https://example.com/ivr/", Timeout: 10, NumDigits: 1, Retries: 2,
			Prompt: []Verb{sdkSpeak("Welcome to Acme Corp. Press 1 for sales. Press 2 for support.")}},
		sdkSpeak("Sorry, we didn't receive valid input. Goodbye."),
	},
	"getdigits_full": {GetDigits{
		Action: "https://example.com/verify-pin/", Method: "GET", Timeout: 10, DigitTimeout: 3, FinishOnKey: "none",
		NumDigits: 4, Retries: 1, Redirect: False, PlayBeep: True, ValidDigits: "0123456789",
		InvalidDigitsSound: "https://example.com/invalid.mp3", Log: False,
		Prompt: []Verb{sdkSpeak("Please enter your 4-digit PIN."), Play{URL: "https://example.com/tone.mp3"}, Wait{Length: 1}},
	}},
	"getinput_speech": {
		GetInput{
			Action: "https://example.com/handle-input/", Method: "POST", InputType: "dtmf speech", ExecutionTimeout: 30,
			DigitEndTimeout: 4, SpeechEndTimeout: 3, FinishOnKey: "*", NumDigits: 8, SpeechModel: "command_and_search",
			Hints: "account balance, transfer money", Language: "en-GB",
			InterimSpeechResultsCallback: "https://example.com/interim/", InterimSpeechResultsCallbackMethod: "GET",
			Redirect: False, Log: False, ProfanityFilter: True,
			Prompt: []Verb{Speak{Text: "How can I help you with your account today?", Voice: "Polly.Amy", Language: "en-GB"}},
		},
		sdkSpeak("We did not hear you."),
	},
	"preanswer": {
		PreAnswer{Verbs: []Verb{Wait{Length: 2}, Play{URL: "https://example.com/ring.mp3", Loop: Loop(2)},
			sdkSpeak("Please wait while we connect your call.")}},
		sdkSpeak("Hello, thank you for calling."),
	},
	"dial_full": {Dial{
		Action: "https://example.com/dial-status/", Method: "GET", Redirect: False,
		CallbackURL: "https://example.com/dial-events/", CallbackMethod: "POST", Timeout: 15, TimeLimit: 600,
		CallerID: "+14155559999", CallerName: "Support Team", HangupOnStar: True,
		ConfirmSound: "https://example.com/confirm.xml", ConfirmKey: "1", DialMusic: "real",
		Targets: []Verb{Number{Digits: "+14155551234", SendDigits: "wwww1234#", SendOnPreanswer: True},
			User{SIP: "sip:alice@phone.plivo.com", SendDigits: "1", SendOnPreanswer: False}},
	}},
	"record_session": {
		Record{RecordSession: True, RecordChannelType: "mono", CallbackURL: "https://example.com/recording-ready/"},
		sdkSpeak("This call is being recorded for quality purposes."),
		Record{
			Action: "https://example.com/handle-recording/", Method: "GET", FileFormat: "wav", Redirect: False, Timeout: 5,
			MaxLength: 120, FinishOnKey: "none", PlayBeep: False, StartOnDialAnswer: True, TranscriptionType: "auto",
			TranscriptionURL: "https://example.com/transcription/", TranscriptionMethod: "POST",
			CallbackURL: "https://example.com/recording-ready/", CallbackMethod: "GET",
		},
	},
	"speak_voices": {
		Speak{Text: "Olá", Voice: "Polly.Vitória", Language: "pt-BR"},
		Speak{Text: "Hola", Voice: "Polly.Lupe-Standard", Language: "es-US", Loop: Loop(0)},
		Speak{Text: "Good day!", Voice: "MAN", Language: "en-GB"},
	},
	"wait_dtmf_hangup": {
		Wait{Length: 10, Silence: True, MinSilence: 3000, Beep: False},
		DTMF{Digits: "1ww2W#", Async: False},
		Hangup{Reason: "busy", Schedule: 60},
		Redirect{URL: "https://example.com/next-step/?lang=en", Method: "GET"},
	},
}

// TestPlivoSDKBuilder renders the documents that testdata/plivo-sdk.js
// builds with Plivo's own XML builder (the plivo npm package), and checks
// that xmlresp writes each byte for byte: same attributes, same order, same
// escaping, "true" and "false" where a Bool is set. There is no -update:
// the files are the builder's; rerun plivo-sdk.js to make them again.
func TestPlivoSDKBuilder(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "plivo-sdk", "*.xml"))
	if len(files) != len(sdkDocs) {
		t.Fatalf("testdata/plivo-sdk holds %d documents, the test %d: keep plivo-sdk.js and this test in step", len(files), len(sdkDocs))
	}
	for name, verbs := range sdkDocs {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "plivo-sdk", name+".xml"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Render(verbs...)
			if err != nil || string(got) != string(want) {
				t.Errorf("Render = %s, %v\nPlivo's builder: %s", got, err, want)
			}
		})
	}
}

// TestPlivoSDKBuilderCoversEveryAttribute holds plivo-sdk.js to its word:
// every attribute field of every Plivo voice verb is set in one of the
// builder's documents, so TestPlivoSDKBuilder compares each with the SDK.
func TestPlivoSDKBuilderCoversEveryAttribute(t *testing.T) {
	seen := map[string]bool{} // "Element attr"
	files, _ := filepath.Glob(filepath.Join("testdata", "plivo-sdk", "*.xml"))
	for _, f := range files {
		doc := etree.NewDocument()
		if err := doc.ReadFromFile(f); err != nil {
			t.Fatal(err)
		}
		for _, el := range doc.FindElements("//*") {
			for _, a := range el.Attr {
				seen[el.Tag+" "+a.Key] = true
			}
		}
	}
	notAttrs := []string{"Text", "URL", "Digits", "SIP", "Prompt", "Targets", "Verbs"} // element text and children
	for _, v := range []Verb{Speak{}, Play{}, Wait{}, DTMF{}, Redirect{}, Hangup{}, PreAnswer{}, GetInput{}, GetDigits{},
		Dial{}, Number{}, User{}, Record{}} {
		typ := reflect.TypeOf(v)
		for f := range typ.Fields() {
			if slices.Contains(notAttrs, f.Name) {
				continue
			}
			name := strings.NewReplacer("URL", "Url", "ID", "Id").Replace(f.Name)
			attr := strings.ToLower(name[:1]) + name[1:]
			if !seen[typ.Name()+" "+attr] {
				t.Errorf("no document of plivo-sdk.js sets %s's %s (field %s): add it there and to sdkDocs", typ.Name(), attr, f.Name)
			}
		}
	}
}
