package callsim_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"answerurl/callsim"
	"answerurl/handlers"
	"answerurl/security"
	"answerurl/xmlresp"
)

// TestREADMETranscript: the transcript the README shows under "Try the IVR
// without a phone" is the one callsim prints for the starter's voicemail
// branch (-digits 3), the recording's random ID aside.
func TestREADMETranscript(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "## Try the IVR without a phone")
	blocks := strings.Split(section, "```")
	if len(blocks) < 4 {
		t.Fatal("the README's section lacks its transcript block")
	}
	want := strings.TrimSpace(blocks[3])

	router, err := handlers.NewRouter(handlers.Options{Plivo: security.PlivoTokens{AuthTokens: []string{"t"}},
		Speak: xmlresp.Speak{Text: "Hello"}, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	if _, err := (callsim.Call{Handler: router, Token: "t", AnswerURL: "http://localhost:8080/ivr/",
		HangupURL: "http://localhost:8080/hangup/", Digits: []string{"3"}, Transcript: &got}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := regexp.MustCompile(`recordings/[^ ]*\.mp3`)
	if g, w := id.ReplaceAllString(strings.TrimSpace(got.String()), "recordings/ID.mp3"), id.ReplaceAllString(want, "recordings/ID.mp3"); g != w {
		t.Errorf("the README shows\n%s\n\ncallsim prints\n%s", w, g)
	}
}

// TestPlivoExamplesREADME: testdata/plivo-examples/README.md has one row
// for each example document, saying where it comes from, and names no
// document that is not there; each document has its .expect beside it.
func TestPlivoExamplesREADME(t *testing.T) {
	const dir = "../testdata/plivo-examples"
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+\\.xml)` \\| \\S").FindAllStringSubmatch(string(readme), -1) {
		if rows[m[1]] {
			t.Errorf("README.md: %s has two rows", m[1])
		}
		rows[m[1]] = true
	}
	docs, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(docs) == 0 {
		t.Fatal("no example document")
	}
	for _, doc := range docs {
		name := filepath.Base(doc)
		if !rows[name] {
			t.Errorf("%s has no row in README.md saying where it comes from", name)
		}
		delete(rows, name)
		if _, err := os.Stat(strings.TrimSuffix(doc, ".xml") + ".expect"); err != nil {
			t.Errorf("%s: no .expect beside it: %v", name, err)
		}
	}
	for name := range rows {
		t.Errorf("README.md has a row for %s, which is not in %s", name, dir)
	}
}

// TestFidelityNames: the names FIDELITY.md gives a reader to look for are
// there: each flag (`-fallback`) is one cmd/callsim declares, and each Go
// name (`HangupAfter`, `Result.Digits`, `ErrUnsupported`) is an exported
// name of this package or a field of one.
func TestFidelityNames(t *testing.T) {
	doc, err := os.ReadFile("FIDELITY.md")
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := os.ReadFile("../cmd/callsim/main.go")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			b, _ := os.ReadFile(f)
			src.Write(b)
		}
	}
	checked := 0
	for _, m := range regexp.MustCompile("`-([a-z][a-z-]*)`").FindAllStringSubmatch(string(doc), -1) {
		checked++
		if !strings.Contains(string(cmd), `"`+m[1]+`", `) {
			t.Errorf("FIDELITY.md names the flag -%s, which cmd/callsim does not declare", m[1])
		}
	}
	declared := func(name string) bool { // a field, a declaration (a method's too), or a parameter sent
		return regexp.MustCompile(`(?m)^\t+`+name+`\b|\b(?:func|type|var) (?:\([^)]*\) )?`+name+`\b`).MatchString(src.String()) ||
			strings.Contains(src.String(), `"`+name+`"`)
	}
	for _, m := range regexp.MustCompile("`((?:Result\\.)?[A-Z][A-Za-z]+)`").FindAllStringSubmatch(string(doc), -1) {
		for _, part := range strings.Split(m[1], ".") {
			checked++
			if !declared(part) {
				t.Errorf("FIDELITY.md names %s, which callsim neither declares nor sends", m[1])
			}
		}
	}
	if checked < 8 {
		t.Errorf("checked %d names in FIDELITY.md: the parser no longer finds them", checked)
	}
}
