package security

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStandardLibraryOnly: the verifiers import nothing but the standard
// library, so that a client that signs or verifies links no web framework.
func TestStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	self, err := exec.Command("go", "list", ".").Output() // the module may be renamed
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if deps := strings.Fields(string(out)); len(deps) != 1 || deps[0] != strings.TrimSpace(string(self)) {
		t.Fatalf("security depends on %v; want the standard library only", deps)
	}
}
