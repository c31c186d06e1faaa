package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeSetting is one variable of the README's configuration table: the
// default and the accepted values it states.
type readmeSetting struct{ name, def, accepted string }

// readmeSettings reads the README's configuration table. A row naming
// several variables gives each its share of the default (split at commas
// outside backquotes, or one for all) and of the accepted cell (split at
// "; ").
func readmeSettings(t *testing.T) map[string]readmeSetting {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "\n## Configuration\n")
	section, _, _ = strings.Cut(section, "\n## ")
	settings := map[string]readmeSetting{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, " | ")
		if !strings.HasPrefix(line, "| `") || len(cells) != 4 {
			continue
		}
		names := regexp.MustCompile("`([A-Z0-9_]+)`").FindAllStringSubmatch(cells[0], -1)
		defs := regexp.MustCompile("(`[^`]*`|[^,`]+)+").FindAllString(cells[1], -1)
		accepted := strings.Split(cells[2], "; ")
		for i, n := range names {
			s := readmeSetting{name: n[1], def: strings.TrimSpace(defs[0]), accepted: accepted[0]}
			if len(names) > 1 && len(defs) == len(names) {
				s.def = strings.TrimSpace(defs[i])
			}
			if len(names) > 1 && len(accepted) == len(names) {
				s.accepted = accepted[i]
			}
			settings[s.name] = s
		}
	}
	if len(settings) == 0 {
		t.Fatal("README.md has no configuration table: | variable | default | accepted | meaning |")
	}
	return settings
}

// startServerWith loads the configuration kv describes and builds the
// server from it, as run does: the error that would stop it, or nil.
func startServerWith(kv map[string]string, read func(string)) error {
	getenv := func(k string) string {
		if read != nil {
			read(k)
		}
		return kv[k]
	}
	cfg, err := loadConfig(getenv, "")
	if err != nil {
		return err
	}
	_, _, err = newServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return err
}

// TestConfigTable: every variable the server reads (recorded as it starts,
// the routes' own settings included) is a row of the README's table, and
// every row is a variable it reads; each default the table names is the
// one the server uses.
func TestConfigTable(t *testing.T) {
	table := readmeSettings(t)
	var read []string
	if err := startServerWith(map[string]string{}, func(k string) { read = append(read, k) }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(read)
	read = slices.Compact(read)
	for _, name := range read {
		if _, ok := table[name]; !ok {
			t.Errorf("the server reads %s, which the README's configuration table lacks", name)
		}
	}
	for name, s := range table {
		if !slices.Contains(read, name) {
			t.Errorf("the README's table names %s, which the server never reads", name)
		}
		def, quoted := strings.CutPrefix(s.def, "`")
		if !quoted {
			continue // none, Plivo's, made up: no value
		}
		def = strings.TrimSuffix(def, "`")
		unset, _ := loadConfig(env(map[string]string{"PLIVO_AUTH_TOKEN": "t"}), "")
		set, err := loadConfig(env(map[string]string{"PLIVO_AUTH_TOKEN": "t", name: def}), "")
		if err != nil || configText(set) != configText(unset) {
			t.Errorf("%s=%s, the README's default, differs from leaving it unset (%v)", name, def, err)
		}
	}
}

// configText is cfg as text, for comparing two configurations.
func configText(cfg *Config) string {
	c := *cfg
	loop := *c.Speak.Loop
	c.Setting, c.Speak.Loop = nil, nil
	return fmt.Sprintf("%+v loop=%d", c, loop)
}

var (
	rangeBound = regexp.MustCompile(`^(0, or )?(\S+) to (\S+)$`)
	sizeBound  = regexp.MustCompile(`up to (\d+) (bytes|characters)`)
	wordsBound = regexp.MustCompile("^`[a-z]+`(, `[a-z]+`)*$")
)

// TestConfigBounds walks every variable of the README's table (which
// TestConfigTable proves is every variable the server reads) and checks
// the bounds its "accepted" cell states: each bound itself starts the
// server, a value beyond it stops it with a message naming the variable.
func TestConfigBounds(t *testing.T) {
	for name, s := range readmeSettings(t) {
		accept := func(v string) {
			if err := startServerWith(map[string]string{"PLIVO_AUTH_TOKEN": "t", name: v}, nil); err != nil {
				t.Errorf("%s=%.20q, within the README's bounds (%s), is refused: %v", name, v, s.accepted, err)
			}
		}
		refuse := func(v, want string) {
			err := startServerWith(map[string]string{"PLIVO_AUTH_TOKEN": "t", name: v}, nil)
			if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s=%.20q, beyond the README's bounds (%s): %v; want a refusal naming %s", name, v, s.accepted, err, name)
			}
		}
		checked := false
		if m := rangeBound.FindStringSubmatch(s.accepted); m != nil {
			checked = true
			if m[1] != "" {
				accept("0")
			}
			lo, hi, below, above := rangeValues(t, m[2], m[3])
			accept(lo)
			accept(hi)
			refuse(below, "")
			refuse(above, "")
		}
		if m := sizeBound.FindStringSubmatch(s.accepted); m != nil {
			checked = true
			n, _ := strconv.Atoi(m[1])
			if s.accepted == m[0] {
				accept(strings.Repeat("a", n))
			}
			refuse(strings.Repeat("a", n+1), m[2])
		}
		if wordsBound.MatchString(s.accepted) {
			checked = true
			for _, w := range strings.Split(s.accepted, ", ") {
				accept(strings.Trim(w, "`"))
			}
			refuse("nope", "")
		}
		if !checked {
			t.Errorf("%s: the README states no bound the test can check (%q): write A to B, up to N bytes (or characters), or the words", name, s.accepted)
		}
	}
}

// rangeValues are the bounds of "lo to hi" (durations or whole numbers),
// and the values just beyond them.
func rangeValues(t *testing.T, lo, hi string) (string, string, string, string) {
	if l, err := strconv.ParseInt(lo, 10, 64); err == nil {
		h, _ := strconv.ParseInt(hi, 10, 64)
		return lo, hi, strconv.FormatInt(l-1, 10), strconv.FormatInt(h+1, 10)
	}
	l, err1 := time.ParseDuration(lo)
	h, err2 := time.ParseDuration(hi)
	if err1 != nil || err2 != nil {
		t.Fatalf("the README's bounds %q to %q are neither whole numbers nor durations", lo, hi)
	}
	return lo, hi, (l - 1).String(), (h + 1).String()
}

// TestEnvExampleTable: .env.example has a line for every variable of the
// README's table and for nothing else, says once that every value is
// bounded (maxSettingBytes), and states each smaller bound the table
// states, in the comment above the variable: a range as "A to B", a size
// as "N bytes" (or characters), the words one by one.
func TestEnvExampleTable(t *testing.T) {
	b, err := os.ReadFile(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if general := fmt.Sprintf("at most %d bytes", maxSettingBytes); !strings.Contains(text, general) {
		t.Errorf(".env.example does not say that every value is %s", general)
	}
	comments := map[string]string{} // variable: the comment lines above it, joined
	var block []string
	afterVar := false
	for _, line := range strings.Split(text, "\n") {
		switch name, _, isVar := strings.Cut(line, "="); {
		case strings.HasPrefix(line, "#"):
			if afterVar {
				block, afterVar = nil, false
			}
			block = append(block, strings.TrimPrefix(line, "#"))
		case isVar: // a variable right below another shares its comment
			comments[name], afterVar = strings.Join(strings.Fields(strings.Join(block, " ")), " "), true
		default:
			block, afterVar = nil, false
		}
	}
	table := readmeSettings(t)
	for name := range comments {
		if _, ok := table[name]; !ok {
			t.Errorf(".env.example sets %s, which the README's table lacks", name)
		}
	}
	for name, s := range table {
		comment, ok := comments[name]
		if !ok {
			t.Errorf(".env.example has no line %s=", name)
			continue
		}
		var want []string
		if m := rangeBound.FindStringSubmatch(s.accepted); m != nil {
			want = append(want, m[2]+" to "+m[3])
		}
		if m := sizeBound.FindStringSubmatch(s.accepted); m != nil && m[1] != strconv.Itoa(maxSettingBytes) {
			want = append(want, m[1]+" "+m[2])
		}
		if wordsBound.MatchString(s.accepted) {
			for _, w := range strings.Split(s.accepted, ", ") {
				want = append(want, strings.Trim(w, "`"))
			}
		}
		for _, w := range want {
			if !strings.Contains(comment, w) {
				t.Errorf(".env.example's comment on %s lacks %q, which the README's table states (%s): %q", name, w, s.accepted, comment)
			}
		}
	}
}
