package xmlresp

import (
	"errors"
	"strings"
	"testing"
)

// TestSpeakVoiceLanguage checks each voice against the language it is given,
// as Plivo's validating SDKs do, and that a refusal names the documented
// voices of that language.
func TestSpeakVoiceLanguage(t *testing.T) {
	tests := []struct {
		voice, language string
		want            []string // in the error; none: accepted
	}{
		{"", "", nil}, // Plivo's defaults, WOMAN and en-US
		{"MAN", "en-GB", nil},
		{"WOMAN", "fr-CA", nil},
		{"MAN", "pt-PT", nil},
		{"Polly.Joanna", "", nil}, // en-US by default
		{"Polly.Vitória", "pt-BR", nil},
		{"Polly.Vitoria", "pt-BR", nil}, // Polly's own ID, without the accent
		{"Polly.Lupe-Standard", "es-US", nil},
		{"Polly.Celine", "fr-FR", nil},
		{"Polly.Céline", "fr-FR", nil},
		{"Polly.Zeina", "arb", nil},
		{"Polly.Geraint", "en-GB-WLS", nil},
		{"Polly.Aditi", "hi-IN", nil},
		{"Polly.Aditi", "en-IN", nil},
		{"Polly.Celine", "", []string{`"Polly.Celine" does not speak en-US`, "Polly.Celine speaks fr-FR", "Polly.Joanna, Polly.Salli"}},
		{"Polly.Aditi", "en-US", []string{"Polly.Aditi speaks en-IN, hi-IN"}},
		{"Polly.Joanna-Neural", "en-US", []string{"Plivo documents no such voice", "use WOMAN, MAN, Polly.Joanna"}},
		{"Polly.Robot", "en-US", []string{"Plivo documents no such voice"}},
		{"Polly.", "en-US", []string{"no such voice"}},
		{"Polly.Lupe", "es-US", []string{"Polly.Lupe-Standard"}},
		{"polly.joanna", "en-US", []string{"use one that speaks en-US", "Polly.Joanna"}},
		{"MAN", "sv-SE", []string{"MAN does not speak sv-SE: use WOMAN, Polly.Astrid"}},
		{"", "pt-PT", []string{"WOMAN (Plivo's default) does not speak pt-PT: use MAN, Polly.Inês, Polly.Cristiano"}},
		{"WOMAN", "ja-JP", []string{"does not speak ja-JP: use Polly.Mizuki, Polly.Takumi"}},
		{"man", "en-US", []string{"use one that speaks en-US: WOMAN, MAN"}},
		{"ROBOT", "", []string{`voice "ROBOT"`}},
		{"", "xx-XX", []string{`language "xx-XX": use one Plivo documents: arb, cmn-CN, cy-GB`}},
		{"", "en-us", []string{"en-US"}},
		{"", "English", []string{"language"}},
	}
	for _, tt := range tests {
		t.Run(tt.voice+"/"+tt.language, func(t *testing.T) {
			_, err := Render(Speak{Text: "Hi", Voice: tt.voice, Language: tt.language})
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("refused a documented pair: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Render = %v; want an error wrapping ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestSpeakLanguagesTable walks the whole table: every voice is accepted in
// each language that lists it and refused in every other, with a refusal
// that lists the voices of the language given; MAN and WOMAN likewise.
func TestSpeakLanguagesTable(t *testing.T) {
	for _, lang := range speakLanguageCodes() {
		known := speakLanguages[lang]
		for voice, ok := range map[string]bool{"MAN": known.man, "WOMAN": known.woman} {
			checkPair(t, voice, lang, ok, known.voices())
		}
		for _, other := range speakLanguageCodes() {
			for _, name := range speakLanguages[other].polly {
				listed := false
				for _, p := range known.polly {
					listed = listed || p == name
				}
				checkPair(t, "Polly."+name, lang, listed, known.voices())
				checkPair(t, "Polly."+unaccent.Replace(name), lang, listed, known.voices())
			}
		}
	}
}

func checkPair(t *testing.T, voice, lang string, ok bool, voices string) {
	t.Helper()
	_, err := Render(Speak{Text: "Hi", Voice: voice, Language: lang})
	switch {
	case ok && err != nil:
		t.Errorf("%s in %s refused: %v", voice, lang, err)
	case !ok && err == nil:
		t.Errorf("%s in %s accepted; Plivo documents no such pair", voice, lang)
	case !ok && !strings.HasSuffix(err.Error(), "use "+voices):
		t.Errorf("%s in %s: error %q does not end with the language's voices %q", voice, lang, err, voices)
	}
}

// TestSpeakTextLength: at most 3,000 characters, counted as characters, not
// bytes (https://www.plivo.com/docs/voice/concepts/ssml#character-limit).
func TestSpeakTextLength(t *testing.T) {
	for _, tt := range []struct {
		text string
		ok   bool
	}{
		{strings.Repeat("a", 3000), true},
		{strings.Repeat("é", 3000), true}, // 6,000 bytes
		{strings.Repeat("a", 3001), false},
		{strings.Repeat("🎉", 3001), false},
	} {
		_, err := Render(Speak{Text: tt.text})
		if tt.ok != (err == nil) || err != nil && !strings.Contains(err.Error(), "at most 3000") {
			t.Errorf("Speak of %d characters: %v", len([]rune(tt.text)), err)
		}
	}
}
