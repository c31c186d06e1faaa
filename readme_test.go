package main

import (
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README is read as documentation: these tests keep its commands and
// links true. (The configuration and routes tables, the Go snippets and the
// quoted log lines are checked beside the code they describe.)

// readme returns README.md's text.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// shellCommands returns the commands of the README's ```sh blocks, one a
// line: continuation lines joined, comments removed, and a line split at
// ; && and the words of a for loop.
func shellCommands(text string) []string {
	var cmds []string
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text, -1)
	for _, b := range blocks {
		joined := strings.ReplaceAll(b[1], "\\\n", " ")
		for _, line := range strings.Split(joined, "\n") {
			line = regexp.MustCompile(`(^|\s)#.*$`).ReplaceAllString(line, "")
			for _, part := range regexp.MustCompile(`;|&&|\bdo\b|\bdone\b`).Split(line, -1) {
				if part = strings.TrimSpace(part); part != "" {
					cmds = append(cmds, part)
				}
			}
		}
	}
	return cmds
}

// goTestFlags are the go command's own test flags that the README uses.
var goTestFlags = []string{"-race", "-run", "-fuzz", "-fuzztime", "-bench", "-benchmem", "-count", "-v", "-timeout", "-short"}

// TestReadmeCommands runs -h of every program the README's shell blocks
// run with `go run` (and every test binary they run with extra flags), and
// checks that each flag the README gives is one the program lists. Every
// Fuzz target named is a function of the package it is run in.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every program the README runs")
	}
	cmds := shellCommands(readme(t))
	if len(cmds) < 5 {
		t.Fatalf("found %d commands in the README's sh blocks: the parser no longer reads them", len(cmds))
	}
	flagWord := regexp.MustCompile(`^-[a-z][a-z0-9-]*`)
	helps := map[string]string{}
	for _, cmd := range cmds {
		words := strings.Fields(cmd)
		var pkg, help string
		switch {
		case len(words) >= 3 && words[0] == "go" && words[1] == "run":
			pkg = words[2]
			help = usageOf(t, helps, pkg, false)
		case len(words) >= 3 && words[0] == "go" && words[1] == "test":
			pkg = words[2]
			checkFuzzTargets(t, cmd, pkg, cmds)
		default:
			continue // docker, ngrok, for: not this project's programs
		}
		for _, w := range words[3:] {
			f := flagWord.FindString(w)
			if f == "" || (words[1] == "test" && slices.Contains(goTestFlags, f)) {
				continue
			}
			if words[1] == "test" && help == "" {
				help = usageOf(t, helps, pkg, true)
			}
			if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(f) + `\b`).MatchString(help) {
				t.Errorf("README runs %q with %s, which %s -h does not list", cmd, f, pkg)
			}
		}
	}
}

// usageOf builds pkg (its test binary when test is true) once and returns
// what it prints for -h.
func usageOf(t *testing.T, cache map[string]string, pkg string, test bool) string {
	t.Helper()
	key := pkg + map[bool]string{true: " (test)"}[test]
	if h, ok := cache[key]; ok {
		return h
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "prog")
	build := exec.Command("go", "build", "-o", bin, pkg)
	if test {
		build = exec.Command("go", "test", "-c", "-o", bin, pkg)
	}
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", key, err, out)
	}
	run := exec.Command(bin, "-h")
	run.Dir = dir // no .env there
	run.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	out, _ := run.CombinedOutput() // -h exits 0 or 2, as the flag package chooses
	cache[key] = string(out)
	return cache[key]
}

// checkFuzzTargets checks that each Fuzz target cmd names, directly or
// through the list of a for loop before it, is declared in pkg.
func checkFuzzTargets(t *testing.T, cmd, pkg string, cmds []string) {
	t.Helper()
	if !strings.Contains(cmd, "-fuzz") {
		return
	}
	names := regexp.MustCompile(`Fuzz\w+`).FindAllString(cmd, -1)
	if strings.Contains(cmd, "$f") {
		for _, c := range cmds {
			if strings.HasPrefix(c, "for f in ") {
				names = append(names, strings.Fields(strings.TrimPrefix(c, "for f in "))...)
			}
		}
	}
	if len(names) == 0 {
		t.Errorf("README runs %q: no Fuzz target found in it", cmd)
	}
	var src strings.Builder
	files, _ := filepath.Glob(filepath.Join(pkg, "*_test.go"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		src.Write(b)
	}
	for _, n := range names {
		if !strings.Contains(src.String(), "func "+n+"(f *testing.F)") {
			t.Errorf("README fuzzes %s in %s, which declares no such target", n, pkg)
		}
	}
}

// TestReadmeLinks checks that every link of the README points inside the
// repository (a file that exists) or to a public https page: a clone has
// nothing outside its own tree.
func TestReadmeLinks(t *testing.T) {
	links := regexp.MustCompile(`\]\(([^)\s]+)\)`).FindAllStringSubmatch(readme(t), -1)
	if len(links) == 0 {
		t.Fatal("no link found: the parser no longer reads them")
	}
	for _, l := range links {
		target := l[1]
		u, err := url.Parse(target)
		switch {
		case err != nil:
			t.Errorf("link %q: %v", target, err)
		case u.Scheme != "":
			if u.Scheme != "https" || u.Host == "" || strings.HasPrefix(u.Hostname(), "localhost") || strings.HasSuffix(u.Hostname(), ".invalid") {
				t.Errorf("link %q: an outside link must be a public https page", target)
			}
		default:
			path := filepath.Clean(u.Path)
			if path == "." || strings.HasPrefix(path, "..") || filepath.IsAbs(path) {
				t.Errorf("link %q leaves the repository: a clone does not have it", target)
			} else if _, err := os.Stat(path); err != nil {
				t.Errorf("link %q: %v", target, err)
			}
		}
	}
}

// runtimeFiles are the files the README names that the server or the user
// writes, which a clone does not have.
var runtimeFiles = map[string]bool{".dev-token": true, ".env": true}

// TestReadmePaths checks that every file or folder of this repository the
// README names in code (`handlers/routes.go`, `cmd/callsim/`) exists.
func TestReadmePaths(t *testing.T) {
	spans := regexp.MustCompile("`((?:\\.\\./|\\./)?[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]*)`").FindAllStringSubmatch(readme(t), -1)
	if len(spans) < 10 {
		t.Fatalf("found %d paths: the parser no longer reads them", len(spans))
	}
	for _, s := range spans {
		path := s[1]
		if _, _, err := net.ParseCIDR(path); err == nil || strings.Contains(path, "://") || strings.HasPrefix(path, "/") || runtimeFiles[filepath.Base(path)] {
			continue // a network, a URL, a route, or a file the server writes
		}
		if clean := filepath.Clean(path); strings.HasPrefix(clean, "..") {
			t.Errorf("README names %s, outside the repository: a clone does not have it", path)
		} else if _, err := os.Stat(clean); err != nil {
			t.Errorf("README names %s: %v", path, err)
		}
	}
}

func TestShellCommands(t *testing.T) {
	got := shellCommands("```sh\ngo run .   # terminal 1\nfor f in A B; do\n  go test ./x -fuzz \"^$f\\$\" \\\n   -fuzztime 1m; done\n```\n```go\nnot = this\n```\n")
	want := []string{"go run .", "for f in A B", `go test ./x -fuzz "^$f\$"     -fuzztime 1m`}
	if !slices.Equal(got, want) {
		t.Errorf("shellCommands = %q, want %q", got, want)
	}
}

// TestReadmeLength keeps the README within 300 lines: details belong beside
// the code they describe.
func TestReadmeLength(t *testing.T) {
	if n := strings.Count(readme(t), "\n"); n > 300 {
		t.Errorf("README.md has %d lines; keep it within 300", n)
	}
}

// TestReadmeProseFlags checks the flags the README's text gives a tool: in
// a paragraph that names one program of cmd/, every code span that starts
// with a flag (`-digits 3`) is a flag its -h lists.
func TestReadmeProseFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the programs the README names")
	}
	tool := regexp.MustCompile("cmd/([a-z-]+)")
	flagSpan := regexp.MustCompile("`(-[a-z][a-z0-9-]*)[^`]*`")
	helps := map[string]string{}
	checked := 0
	for _, para := range strings.Split(readme(t), "\n\n") {
		tools := tool.FindAllStringSubmatch(para, -1)
		if len(tools) == 0 || strings.HasPrefix(para, "```") || strings.HasPrefix(para, "|") {
			continue
		}
		pkg := "./cmd/" + tools[0][1]
		for _, other := range tools {
			if other[1] != tools[0][1] {
				pkg = "" // two programs: which flag is whose is for the reader
			}
		}
		for _, f := range flagSpan.FindAllStringSubmatch(para, -1) {
			if pkg == "" {
				break
			}
			checked++
			if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(f[1]) + `\b`).MatchString(usageOf(t, helps, pkg, false)) {
				t.Errorf("README gives %s the flag %s, which its -h does not list", pkg, f[1])
			}
		}
	}
	if checked < 5 {
		t.Errorf("checked %d flags in the README's text: the parser no longer finds them", checked)
	}
}

// TestBenchReadme keeps bench/README.md's commands and names true without
// running a benchmark: each -bench pattern's alternatives each name a
// benchmark of the package the command runs in, each other flag it gives
// is declared there (go test's own aside), and every Benchmark, Test or
// Fuzz function the text names is declared in the repository.
func TestBenchReadme(t *testing.T) {
	b, err := os.ReadFile("bench/README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	sources := map[string]string{} // directory: its Go files, joined
	filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if err == nil && strings.HasSuffix(path, ".go") {
			src, _ := os.ReadFile(path)
			sources[filepath.Dir(path)] += string(src)
		}
		return nil
	})
	all := strings.Join(slices.Collect(maps.Values(sources)), "\n")
	for _, m := range regexp.MustCompile(`\b((?:Benchmark|Test|Fuzz)[A-Z]\w*)(\*|')?`).FindAllStringSubmatch(text, -1) {
		declared := `func ` + m[1] + `\(`
		if m[2] != "" { // TestInvariants* and -run '^TestInvariants' name a prefix
			declared = `func ` + m[1] + `\w*\(`
		}
		if !regexp.MustCompile(declared).MatchString(all) {
			t.Errorf("bench/README.md names %s, which no Go file declares", m[0])
		}
	}
	checked, dir := 0, "."
	for _, cmd := range shellCommands(text) { // "(cd X && go …)" comes as "(cd X", then "go …)"
		if m := regexp.MustCompile(`^\(cd (\S+)$`).FindStringSubmatch(cmd); m != nil {
			dir = m[1]
			continue
		}
		words := strings.Fields(strings.TrimSuffix(cmd, ")"))
		pkg := dir
		if strings.HasSuffix(cmd, ")") {
			dir = "."
		}
		if len(words) < 3 || words[0] != "go" {
			continue
		}
		if strings.HasPrefix(words[2], "./") {
			pkg = filepath.Join(pkg, words[2])
		}
		src := sources[filepath.Clean(pkg)]
		if src == "" {
			t.Errorf("bench/README.md runs %q in %s, which holds no Go file", cmd, pkg)
			continue
		}
		for i, w := range words {
			if words[1] == "test" && w == "-bench" && i+1 < len(words) {
				for _, alt := range strings.Split(strings.Trim(words[i+1], "'"), "|") {
					re := regexp.MustCompile(alt)
					found := false
					for _, f := range regexp.MustCompile(`func (Benchmark\w+)\(`).FindAllStringSubmatch(src, -1) {
						found = found || re.MatchString(f[1])
					}
					if !found {
						t.Errorf("bench/README.md runs %q: %q names no benchmark of %s", cmd, alt, pkg)
					}
					checked++
				}
			}
			f := regexp.MustCompile(`^-([a-z][a-z0-9-]*)$`).FindStringSubmatch(w)
			if f == nil || (words[1] == "test" && (slices.Contains(goTestFlags, w) || w == "-benchtime" || w == "-cpu")) {
				continue
			}
			if !regexp.MustCompile(`flag\.\w+\((&\w+, )?"` + f[1] + `"`).MatchString(src) {
				t.Errorf("bench/README.md runs %q with %s, which %s does not declare", cmd, w, pkg)
			}
			checked++
		}
	}
	if checked < 8 {
		t.Errorf("checked %d flags and patterns in bench/README.md: the parser no longer reads its commands", checked)
	}
}

// TestNoPathLeavesTheRepository: no file of the repository points a reader
// at a relative path above its root, such as a folder beside the clone: a
// clone has only its own tree. Tests hold hostile paths on purpose, and
// .ci/run's commands run in the directories they cd into.
func TestNoPathLeavesTheRepository(t *testing.T) {
	climb := regexp.MustCompile(`(?:^|[^.\w])((?:\.\./)+[A-Za-z0-9_][A-Za-z0-9_./-]*)`)
	checked := 0
	filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") || runtimeFiles[d.Name()] || path == filepath.Join(".ci", "run") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		checked++
		for _, m := range climb.FindAllStringSubmatch(string(b), -1) {
			if target := filepath.Join(filepath.Dir(path), m[1]); strings.HasPrefix(target, "..") {
				t.Errorf("%s names %s, which is %s: outside the repository", path, m[1], target)
			}
		}
		return nil
	})
	if checked < 50 {
		t.Errorf("read %d files: the walk no longer finds the repository's files", checked)
	}
}
