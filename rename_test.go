package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// renamedModule is the module path TestRenamedModule gives a copy of the
// tree: another domain, which also sorts after github.com/gin-gonic, so
// that packages initialise in another order.
const renamedModule = "zz.example/voicebot"

// TestRenamedModule renames the module, as every user of the starter does,
// in a copy of the tree, and checks that the project's own checks still
// hold there: it builds and vets, the server starts with each GIN_MODE in
// the environment and in .env, the call simulator's test builds the
// server, and .ci/run's check of security's dependencies passes.
func TestRenamedModule(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the tree and builds it under another module path")
	}
	module := strings.TrimSpace(goOutput(t, ".", "list", "-m"))
	dir := t.TempDir()
	copyRenamed(t, ".", dir, module, renamedModule)
	ci, err := os.ReadFile(filepath.Join(dir, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	step := regexp.MustCompile(`(?ms)^echo "--- security/.*?\n(.*?)^echo "---`).FindSubmatch(ci)
	if step == nil {
		t.Fatal(".ci/run has no step checking security's dependencies")
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", string(step[1]))
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf(".ci/run's dependency check under %s: %v\n%s", renamedModule, err, out)
	}
	goOutput(t, dir, "vet", "./...")
	goOutput(t, dir, "test", "-count=1", "-run", "^(TestGinModeWords|TestLoadConfig|TestMalformedDotEnv)$", ".")
	goOutput(t, dir, "test", "-count=1", "-run", "^TestAgainstTheReleaseServer$", "./cmd/callsim")
}

// goOutput runs the go command in dir and returns its output, failing the
// test when it fails.
func goOutput(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...) // go test puts its own go first on the PATH
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// copyRenamed copies the module at src to dst, with the module path from
// renamed to: in go.mod and in the import paths of the Go files. It leaves
// out what is not the module's (.git, bench/, node_modules) and what is
// the developer's own (.env, .dev-token).
func copyRenamed(t *testing.T, src, dst, from, to string) {
	t.Helper()
	skip := map[string]bool{".git": true, "bench": true, "node_modules": true, ".env": true, ".dev-token": true}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if skip[d.Name()] && path != src {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, path)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch {
		case path == "go.mod":
			b = bytes.Replace(b, []byte("module "+from+"\n"), []byte("module "+to+"\n"), 1)
		case strings.HasSuffix(path, ".go"):
			b = bytes.ReplaceAll(b, []byte(`"`+from+`/`), []byte(`"`+to+`/`))
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}
