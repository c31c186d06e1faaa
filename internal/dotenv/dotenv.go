// Package dotenv reads a .env file. The server's configuration and the
// development tools' secrets are read by it alike, with the same rules and
// the same messages.
//
// A line is blank, a comment (# first), or NAME=value, optionally after
// "export ". A name is ASCII letters, digits and _, not starting with a
// digit. A value is taken as written, trimmed of spaces, up to a " #"
// comment; in single quotes it is literal; in double quotes \n, \r, \t,
// \" and \\ are escapes. Nothing is expanded ($VAR stays as written). A
// value that opens a quote closes it on the same line. A UTF-8 byte-order
// mark at the start of the file (Notepad writes one) is skipped, and CRLF
// line ends are read as LF. Of two lines with one name, the later wins, as
// when a shell sources the file.
//
// An error names the file, the line and what is wrong, never a value: a
// .env holds secrets.
package dotenv

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Error is a line of a .env file that cannot be read.
type Error struct {
	File    string // the file's path as given
	Line    int    // 1-based
	Problem string // what is wrong and what to write instead; never the value
}

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
	vars := map[string]string{}
	for i, line := range strings.Split(string(data), "\n") {
		name, value, problem := parseLine(strings.TrimSuffix(line, "\r"))
		if problem != "" {
			return nil, &Error{File: file, Line: i + 1, Problem: problem}
		}
		if name != "" {
			vars[name] = value
		}
	}
	return vars, nil
}

// parseLine reads one line: a name and its value, no name for a blank or
// comment line, or a problem.
func parseLine(line string) (name, value, problem string) {
	s := strings.TrimLeft(line, " \t")
	if s == "" || s[0] == '#' {
		return "", "", ""
	}
	if rest, ok := strings.CutPrefix(s, "export "); ok {
		s = strings.TrimLeft(rest, " \t")
	}
	name, rest, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", "no = on this line: write NAME=value, or start a comment with #"
	}
	name = strings.TrimRight(name, " \t")
	if problem := checkName(name); problem != "" {
		return "", "", problem
	}
	value, problem = parseValue(strings.TrimLeft(rest, " \t"))
	if problem != "" {
		return "", "", name + ": " + problem
	}
	return name, value, ""
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

// parseValue reads what follows the = of a line.
func parseValue(s string) (value, problem string) {
	if s == "" {
		return "", ""
	}
	quote := s[0]
	if quote != '\'' && quote != '"' {
		if i := strings.Index(s, " #"); i >= 0 {
			s = s[:i]
		} else if i := strings.Index(s, "\t#"); i >= 0 {
			s = s[:i]
		}
		return strings.TrimRight(s, " \t"), ""
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote:
			if after := strings.TrimLeft(s[i+1:], " \t"); after != "" && after[0] != '#' {
				return "", fmt.Sprintf("text after the closing %c quote: quote the whole value, or start a comment with #", quote)
			}
			return b.String(), ""
		case c == '\\' && quote == '"' && i+1 < len(s):
			i++
			b.WriteString(unescape(s[i]))
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Sprintf("the value opens a %c quote that does not close on this line: close it (a value is one line; write \\n for a line break in double quotes)", quote)
}

// unescape is what \c means in a double-quoted value.
func unescape(c byte) string {
	switch c {
	case 'n':
		return "\n"
	case 'r':
		return "\r"
	case 't':
		return "\t"
	case '"', '\\':
		return string(c)
	}
	return `\` + string(c)
}
