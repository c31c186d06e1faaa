package dotenv

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParse: what each way of writing a value means, as godotenv reads it.
func TestParse(t *testing.T) {
	data := "\uFEFF# a comment\r\n" +
		"PLAIN=a b  \r\n" +
		"  export EXPORTED = x\n" +
		"\n" +
		"COMMENTED=c # not this\n" +
		"HASH=a#b\n" +
		"SINGLE='$HOME \\n # kept'  # comment\n" +
		`DOUBLE="line\nbreak \"q\" \\ \$x"` + "\n" +
		"EMPTY=\n" +
		"EMPTY_QUOTES=\"\"\n" +
		"INNER=it's \"fine\"\n" +
		"TWICE=first\n" +
		"TWICE=second\n" +
		"URL=redis://u:p@h:1/0?a=b\n" +
		"EXPANDED=${PLAIN}!\n"
	got, err := Parse(".env", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"PLAIN": "a b", "EXPORTED": "x", "COMMENTED": "c", "HASH": "a#b", "SINGLE": `$HOME \n # kept`,
		"DOUBLE": "line\nbreak \"q\" \\ $x", "EMPTY": "", "EMPTY_QUOTES": "", "INNER": `it's "fine"`, "TWICE": "second",
		"URL": "redis://u:p@h:1/0?a=b", "EXPANDED": "a b!",
	}
	if !maps.Equal(got, want) {
		t.Errorf("Parse:\n got %q\nwant %q", got, want)
	}
}

// TestParseErrors: each malformed line is refused with the file, the line
// and what is wrong, and never the value.
func TestParseErrors(t *testing.T) {
	const secret = "s3cr3t-token-value"
	tests := []struct {
		name, data string
		line       int
		want       string
	}{
		{"a dash in a name", "GIN_MODE=release\nMY-TOKEN=" + secret, 2, `the name holds '-'`},
		{"a name that starts with a digit", "1X=" + secret, 1, "not starting with a digit"},
		{"no =", "GIN_MODE=release\n" + secret, 2, "no = on this line"},
		{"nothing before =", "=" + secret, 1, "nothing before the ="},
		{"an unclosed double quote", "A=1\nPLIVO_AUTH_TOKEN=\"" + secret + "\nGIN_MODE=release\n", 2, `PLIVO_AUTH_TOKEN: the value opens a " quote that does not close`},
		{"an unclosed single quote", "PLIVO_AUTH_TOKEN='" + secret, 1, `opens a ' quote`},
		{"text after the quote", `PLIVO_AUTH_TOKEN="a"` + secret, 1, "text after the closing \" quote"},
		{"a BOM inside", "A=1\n\uFEFFB=" + secret, 2, "byte-order mark"},
		{"a BOM twice", "\uFEFF\uFEFFB=" + secret, 1, "byte-order mark"},
		{"an escaped closing quote", `PLIVO_AUTH_TOKEN="` + secret + `\"`, 1, "does not close"},
	}
	for _, tt := range tests {
		_, err := Parse("dir/.env", []byte(tt.data))
		var e *Error
		if !errors.As(err, &e) || e.Line != tt.line || !strings.HasPrefix(err.Error(), "dir/.env line ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want line %d and %q", tt.name, err, tt.line, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), secret[:6]) {
			t.Errorf("%s: the error shows the value: %v", tt.name, err)
		}
	}
}

func TestRead(t *testing.T) {
	if m, err := Read(filepath.Join(t.TempDir(), "none")); err != nil || len(m) != 0 {
		t.Errorf("a missing file: %v %v; want nothing and no error", m, err)
	}
	if m, err := Read(""); err != nil || len(m) != 0 {
		t.Errorf("no path: %v %v", m, err)
	}
	path := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(path, []byte("A='x\n"), 0o600)
	if _, err := Read(path); err == nil || !strings.HasPrefix(err.Error(), path+" line 1: A: ") {
		t.Errorf("Read = %v; want the path, the line and the name", err)
	}
}

// FuzzParse: on any file, Parse does not panic, and its error never holds
// a byte of what follows a line's = (a value, perhaps a secret): only the
// file's name, the line number, a fixed text and at most one character of
// a name.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"A=1\nB='2'\n", "A=\"x\n", "\uFEFFA=1", "A-B=1", "export A = \"a\\\"b\" # c", "A='1' 2"} {
		f.Add(s, "zQ9secretZ")
	}
	f.Fuzz(func(t *testing.T, data, secret string) {
		if len(secret) < 8 || strings.Trim(secret, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" ||
			!strings.ContainsAny(secret, "0123456789") {
			return // secrets are letters and digits; one with a digit is in no fixed text
		}
		for _, form := range []string{"%s", "\"%s", "'%s", "\"%s\"x", "%s\"", "'%s'y"} {
			text := data + "\nPLIVO_AUTH_TOKEN=" + strings.Replace(form, "%s", secret, 1) + "\n" + data
			_, err := Parse(".env", []byte(text))
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Fatalf("the error shows the secret %q: %v", secret, err)
			}
		}
	})
}
