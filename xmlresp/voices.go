package xmlresp

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// speakLanguage is one language that <Speak> speaks: whether Plivo's MAN
// and WOMAN voices speak it, and the Amazon Polly voices that do.
type speakLanguage struct {
	woman, man bool
	polly      []string // names after "Polly.", as Plivo spells them
}

// speakLanguages is every language <Speak> documents, with its voices.
//
// MAN and WOMAN: the "Supported Languages" table of
// https://www.plivo.com/docs/voice/xml/audio-output#speak (Woman, Man).
//
// Polly voices: the "SSML voices" table of
// https://www.plivo.com/docs/voice/concepts/ssml#ssml-voices, joined with
// the table Plivo's validating SDKs check a voice against:
// getLanguageVoices in plivo-go's xml/plivoxml.go and in plivo-java's
// src/main/java/com/plivo/api/util/Utils.java. Where they differ, the voice
// is kept and the line says who lists it: only the SDKs list arb (Zeina)
// and Lucia (es-ES); only the docs list Marlene (de-DE) and Lupe-Standard
// (es-US).
var speakLanguages = map[string]speakLanguage{
	"arb":       {polly: []string{"Zeina"}}, // SDKs only
	"cmn-CN":    {polly: []string{"Zhiyu"}},
	"cy-GB":     {polly: []string{"Gwyneth"}},
	"da-DK":     {woman: true, polly: []string{"Naja", "Mads"}},
	"de-DE":     {woman: true, man: true, polly: []string{"Vicki", "Marlene", "Hans"}}, // Marlene: docs only
	"en-AU":     {woman: true, man: true, polly: []string{"Nicole", "Russell"}},
	"en-GB":     {woman: true, man: true, polly: []string{"Amy", "Emma", "Brian"}},
	"en-GB-WLS": {polly: []string{"Geraint"}},
	"en-IN":     {polly: []string{"Raveena", "Aditi"}},
	"en-US":     {woman: true, man: true, polly: []string{"Joanna", "Salli", "Kendra", "Kimberly", "Ivy", "Matthew", "Justin", "Joey"}},
	"es-ES":     {woman: true, man: true, polly: []string{"Conchita", "Lucia", "Enrique"}}, // Lucia: SDKs only
	"es-MX":     {polly: []string{"Mia"}},
	"es-US":     {woman: true, man: true, polly: []string{"Penélope", "Lupe-Standard", "Miguel"}}, // Lupe-Standard: docs only
	"fr-CA":     {woman: true, polly: []string{"Chantal"}},
	"fr-FR":     {woman: true, man: true, polly: []string{"Léa", "Céline", "Mathieu"}},
	"hi-IN":     {polly: []string{"Aditi"}},
	"is-IS":     {polly: []string{"Dóra", "Karl"}},
	"it-IT":     {woman: true, man: true, polly: []string{"Carla", "Giorgio"}},
	"ja-JP":     {polly: []string{"Mizuki", "Takumi"}},
	"ko-KR":     {polly: []string{"Seoyeon"}},
	"nb-NO":     {polly: []string{"Liv"}},
	"nl-NL":     {woman: true, man: true, polly: []string{"Lotte", "Ruben"}},
	"pl-PL":     {woman: true, man: true, polly: []string{"Ewa", "Maja", "Jacek", "Jan"}},
	"pt-BR":     {woman: true, man: true, polly: []string{"Vitória", "Ricardo"}},
	"pt-PT":     {man: true, polly: []string{"Inês", "Cristiano"}},
	"ro-RO":     {polly: []string{"Carmen"}},
	"ru-RU":     {woman: true, polly: []string{"Tatyana", "Maxim"}},
	"sv-SE":     {woman: true, polly: []string{"Astrid"}},
	"tr-TR":     {polly: []string{"Filiz"}},
}

// Plivo's defaults for <Speak> (https://www.plivo.com/docs/voice/xml/audio-output#speak).
const (
	defaultVoice    = "WOMAN"
	defaultLanguage = "en-US"
	// maxSpeakText is the most characters one <Speak> may say: "Plivo caps
	// the length of text that can be synthesized in one <Speak> tag at 3,000
	// characters" (https://www.plivo.com/docs/voice/concepts/ssml#character-limit);
	// plivo-go's validateContentLength counts them as runes.
	maxSpeakText = 3000
)

// unaccent spells the accented letters of the voices' names without their
// accents, as Polly's own voice IDs (Vitoria, Lea) and Plivo's SSML page
// (Polly.Lea, Polly.Penelope) spell them; Plivo's SDKs strip the accents
// before comparing names too (TransformString in plivo-go).
var unaccent = strings.NewReplacer("á", "a", "ã", "a", "é", "e", "ê", "e", "í", "i", "ó", "o", "ô", "o", "ú", "u", "ç", "c")

// checkSpeech checks text, voice and language of a <Speak> together, as
// Plivo's validating SDKs do: MAN and WOMAN only in the languages that have
// them, a Polly voice only in its own language, the text within Plivo's
// bound. An empty voice or language is Plivo's default (WOMAN, en-US).
func checkSpeech(text, voice, language string) error {
	if n := utf8.RuneCountInString(text); n > maxSpeakText {
		return fmt.Errorf("Speak text is %d characters: Plivo says at most %d in one Speak; split it into several", n, maxSpeakText)
	}
	lang := language
	if lang == "" {
		lang = defaultLanguage
	}
	known, ok := speakLanguages[lang]
	if !ok {
		return fmt.Errorf("Speak language %q: use one Plivo documents: %s", language, strings.Join(speakLanguageCodes(), ", "))
	}
	switch {
	case voice == "" || voice == "WOMAN":
		if !known.woman {
			return fmt.Errorf("Speak voice %s (Plivo's default) does not speak %s: use %s", cmp.Or(voice, defaultVoice), lang, known.voices())
		}
	case voice == "MAN":
		if !known.man {
			return fmt.Errorf("Speak voice MAN does not speak %s: use %s", lang, known.voices())
		}
	case strings.HasPrefix(voice, "Polly."):
		name := strings.TrimPrefix(voice, "Polly.")
		if !slices.ContainsFunc(known.polly, func(p string) bool { return name == p || name == unaccent.Replace(p) }) {
			return fmt.Errorf("Speak voice %q does not speak %s%s: use %s", voice, lang, pollyElsewhere(name), known.voices())
		}
	default:
		return fmt.Errorf("Speak voice %q: use one that speaks %s: %s", voice, lang, known.voices())
	}
	return nil
}

// voices lists the voices that speak a language, for an error message.
func (l speakLanguage) voices() string {
	var v []string
	if l.woman {
		v = append(v, "WOMAN")
	}
	if l.man {
		v = append(v, "MAN")
	}
	for _, p := range l.polly {
		v = append(v, "Polly."+p)
	}
	return strings.Join(v, ", ")
}

// pollyElsewhere names the languages a Polly voice speaks, if any, for an
// error message: " (Polly.Celine speaks fr-FR)".
func pollyElsewhere(name string) string {
	var langs []string
	for _, code := range speakLanguageCodes() {
		if slices.ContainsFunc(speakLanguages[code].polly, func(p string) bool { return name == p || name == unaccent.Replace(p) }) {
			langs = append(langs, code)
		}
	}
	if len(langs) == 0 {
		return " (Plivo documents no such voice)"
	}
	return fmt.Sprintf(" (Polly.%s speaks %s: set the language)", name, strings.Join(langs, ", "))
}

// speakLanguageCodes is every documented language code, sorted.
func speakLanguageCodes() []string {
	codes := make([]string, 0, len(speakLanguages))
	for code := range speakLanguages {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	return codes
}
