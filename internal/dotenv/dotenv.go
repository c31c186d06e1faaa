// Package dotenv reads a .env file. The server's configuration and the
// development tools' secrets are read by it alike, with the same rules and
// the same messages.
//
// The values are read by github.com/joho/godotenv, the loader most Go
// projects use, so a .env means here what it means elsewhere. This package
// adds what godotenv does not do: it checks every line first and refuses a
// file that godotenv would misread or reject, naming the file, the line and
// what is wrong, never a value (godotenv's own errors quote the rest of the
// file, secrets included). A UTF-8 byte-order mark at the start (Notepad
// writes one) is skipped, and CRLF line ends are read as LF.
//
// The lines accepted: blank, a comment (# first), or NAME=value, optionally
// after "export ". A name is ASCII letters, digits and _, not starting with
// a digit. A value is one line: unquoted up to a " #" comment, in single
// quotes literal, in double quotes with \n, \" and \\ escapes. Unquoted and
// double-quoted values expand $VAR and ${VAR}, as godotenv does: put a value
// holding a $ in single quotes. Of two lines with one name, the later
// wins, as when a shell sources the file.
package dotenv

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/joho/godotenv"
)

// Error is a line of a .env file that cannot be read.
type Error struct {
	File    string // the file's path as given
	Line    int    // 1-based
	Problem string // what is wrong and what to write instead; never the value
}

// Error names the file, the line and the problem.
func (e *Error) Error() string {
	return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Problem)
}

// Read reads the file at path. A file that does not exist is no error: its
// result is empty, as is that of an empty path.
func Read(path string) (map[string]string, error) {
	if path == "" {
		return map[string]string{}, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err // *fs.PathError: the path and why, no content
	}
	return Parse(path, data)
}

// Parse reads the contents of a .env file; file is how errors name it.
func Parse(file string, data []byte) (map[string]string, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	for i, line := range strings.Split(string(data), "\n") {
		if problem := checkLine(strings.TrimSuffix(line, "\r")); problem != "" {
			return nil, &Error{File: file, Line: i + 1, Problem: problem}
		}
	}
	vars, err := godotenv.UnmarshalBytes(data)
	if err != nil { // every line passed checkLine: a case it does not know
		return nil, fmt.Errorf("%s cannot be read as NAME=value lines; check its quotes", file)
	}
	return vars, nil
}

// checkLine says what is wrong with one line of the file, or "".
func checkLine(line string) (problem string) {
	s := strings.TrimLeft(line, " \t")
	if s == "" || s[0] == '#' {
		return ""
	}
	if rest, ok := strings.CutPrefix(s, "export "); ok {
		s = strings.TrimLeft(rest, " \t")
	}
	name, rest, ok := strings.Cut(s, "=")
	if !ok {
		return "no = on this line: write NAME=value, or start a comment with #"
	}
	name = strings.TrimRight(name, " \t")
	if problem := checkName(name); problem != "" {
		return problem
	}
	if problem := checkValue(strings.TrimLeft(rest, " \t")); problem != "" {
		return name + ": " + problem
	}
	return ""
}

// checkName says what is wrong with a variable's name, or "". It shows the
// first character that is wrong, never the name (which might be a pasted
// secret).
func checkName(name string) string {
	const rule = "a name is ASCII letters, digits and _, not starting with a digit"
	if name == "" {
		return "nothing before the =: write NAME=value (" + rule + ")"
	}
	for i, r := range name {
		switch {
		case r == '_' || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z':
		case '0' <= r && r <= '9' && i > 0:
		case r == '\uFEFF':
			return "a byte-order mark (U+FEFF) inside the line: save the file as UTF-8 without BOM, or retype the line"
		default:
			return fmt.Sprintf("the name holds %q: %s (write MY_NAME, not MY-NAME)", r, rule)
		}
	}
	return ""
}

// checkValue says what is wrong with what follows the = of a line, or "".
// A quoted value closes on its line, with nothing but a comment after.
func checkValue(s string) (problem string) {
	if s == "" || s[0] != '\'' && s[0] != '"' {
		return ""
	}
	quote := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quote == '"':
			i++ // an escaped character, a quote among them
		case s[i] == quote:
			if after := strings.TrimLeft(s[i+1:], " \t"); after != "" && after[0] != '#' {
				return fmt.Sprintf("text after the closing %c quote: quote the whole value, or start a comment with #", quote)
			}
			return ""
		}
	}
	return fmt.Sprintf("the value opens a %c quote that does not close on this line: close it (a value is one line; write \\n for a line break in double quotes)", quote)
}
