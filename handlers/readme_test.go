package handlers_test

import (
	"bufio"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"answerurl/handlers"
	"answerurl/handlers/handlertest"
)

// readme is the README, read from the repository's root.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section is the README's section under heading, up to the next one.
func section(t *testing.T, heading string) string {
	t.Helper()
	text := readme(t)
	i := strings.Index(text, "\n## "+heading+"\n")
	if i < 0 {
		t.Fatalf("README: no section %q", heading)
	}
	text = text[i+len(heading)+5:]
	if j := strings.Index(text, "\n## "); j >= 0 {
		text = text[:j]
	}
	return text
}

// squeeze trims every line and drops the empty ones, so that a snippet and
// the code that holds it compare whatever their indentation.
func squeeze(s string) string {
	var lines []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// TestReadmeGoSnippets: every Go snippet of the README is code that
// compiles, word for word: it is found in a Go file of the repository
// (routes.go holds the table's lines, voicemail_test.go the test's).
func TestReadmeGoSnippets(t *testing.T) {
	var sources []string
	filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".go") {
			b, _ := os.ReadFile(path)
			sources = append(sources, squeeze(string(b)))
		}
		return nil
	})
	snippets := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(readme(t), -1)
	if len(snippets) < 2 {
		t.Fatalf("found %d Go snippets in the README, want the call flow's two at least", len(snippets))
	}
	for _, m := range snippets {
		want := squeeze(m[1])
		if !slices.ContainsFunc(sources, func(src string) bool { return strings.Contains(src, want) }) {
			t.Errorf("this README snippet is in no Go file; put it, word for word, in the code or a test:\n%s", m[1])
		}
	}
}

// TestReadmeRoutesTable: every row of the README's routes table is a route
// of the router, verified as the row says, with the callback name it says;
// and every route of the router is a row.
func TestReadmeRoutesTable(t *testing.T) {
	router, _ := handlertest.NewRouter(t, func(o *handlers.Options) {
		o.TwilioAuthTokens, o.SignalWireSigningKeys = []string{"tw"}, []string{"sw"}
	})
	routes := map[string]handlers.Route{}
	for _, r := range router.Routes() {
		routes[r.Path] = r
	}
	code := regexp.MustCompile("`([^`]*)`")
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(section(t, "Routes")))
	for sc.Scan() {
		cells := strings.Split(sc.Text(), " | ")
		if len(cells) != 5 || !strings.HasPrefix(cells[0], "| `/") {
			continue
		}
		verifier, callback := verifierOf(cells[2]), strings.TrimSuffix(cells[4], " |")
		for _, m := range code.FindAllStringSubmatch(cells[0], -1) {
			path := strings.TrimSuffix(m[1], "/")
			r, ok := routes[path]
			seen[path] = true
			switch {
			case !ok:
				t.Errorf("README row %s: no such route", m[1])
			case r.Verifier != verifier:
				t.Errorf("README row %s: verified with %q, the router says %q", m[1], verifier, r.Verifier)
			case callbackOf(r) != callback:
				t.Errorf("README row %s: one callback is %q, the router says %q", m[1], callback, callbackOf(r))
			}
		}
	}
	for path := range routes {
		if !seen[path] {
			t.Errorf("route %s is not in the README's routes table", path)
		}
	}
}

// verifierOf reads the "verified with" cell as Route.Verifier names it.
func verifierOf(cell string) string {
	switch {
	case strings.Contains(cell, "SignalWire"):
		return "signalwire"
	case strings.Contains(cell, "Twilio"):
		return "twilio"
	case strings.Contains(cell, "V3"):
		return "plivo-v3"
	case strings.Contains(cell, "V2"):
		return "plivo-v2"
	}
	return ""
}

// callbackOf is the "one callback is" cell the README writes for r.
func callbackOf(r handlers.Route) string {
	params := r.Callback.Params()
	switch {
	case !r.Guarded:
		return "(no guard)"
	case len(params) == 0:
		return "its signature"
	case len(params) == 1:
		return "its `" + params[0] + "`"
	}
	return "its `" + strings.Join(params, "` and `") + "` together"
}

// TestReadmeLogLine: the access line the README quotes is the one the
// router writes for a callback: the same message, the same keys in the
// same order, the same values where the README gives one.
func TestReadmeLogLine(t *testing.T) {
	flat := strings.Join(strings.Fields(readme(t)), " ")
	m := regexp.MustCompile("`(msg=\"callback answered\" [^`]*)`").FindStringSubmatch(flat)
	if m == nil {
		t.Fatal("the README quotes no callback answered line")
	}
	router, logs := handlertest.NewRouter(t, nil)
	router.ServeHTTP(httptest.NewRecorder(), handlertest.VoiceRequest(handlertest.Token, "http://example.com"+handlers.PathIVRChoice,
		url.Values{"CallUUID": {"c0ffee"}, "Digits": {"1"}}))
	var line string
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, `msg="callback answered"`) {
			line = strings.TrimSpace(l[strings.Index(l, "msg="):])
		}
	}
	quoted, written := logPairs(m[1]), logPairs(line)
	if len(quoted) != len(written) {
		t.Fatalf("the README quotes %q, the router writes %q", m[1], line)
	}
	for i, q := range quoted {
		if q[0] != written[i][0] || (q[1] != "…" && q[1] != written[i][1]) {
			t.Errorf("key %d: the README quotes %s=%s, the router writes %s=%s", i, q[0], q[1], written[i][0], written[i][1])
		}
	}
}

// logPairs splits a text log line into its keys and values (the quoted
// message counts as one value).
func logPairs(line string) [][2]string {
	var pairs [][2]string
	for _, m := range regexp.MustCompile(`(\w+)=("[^"]*"|\S+)`).FindAllStringSubmatch(line, -1) {
		pairs = append(pairs, [2]string{m[1], m[2]})
	}
	return pairs
}
