package callsim

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPlivoSDKVerifies walks a flow written with Plivo's own SDK (its XML
// builder, PreAnswer, GetDigits and a Dial's callbackUrl included, its validateV3Signature on
// every callback, and the documented parameters checked:
// testdata/gen/callsim-server.js): every request callsim signs, POST with
// and without a query string, GET with the parameters in the query, is one
// the SDK accepts. It needs node and testdata/gen/node_modules; without
// them it skips, saying how to enable it, and fails under CI=true.
func TestPlivoSDKVerifies(t *testing.T) {
	gen := filepath.Join("..", "testdata", "gen")
	node, err := exec.LookPath("node")
	if _, statErr := os.Stat(filepath.Join(gen, "node_modules", "plivo")); err != nil || statErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or testdata/gen/node_modules is missing: run (cd testdata/gen && npm ci)")
		}
		t.Skip("skipped: the Plivo-SDK peer needs node and testdata/gen/node_modules; to enable it, install Node.js and run (cd testdata/gen && npm ci)")
	}
	const token = "sdk-test-token"
	cmd := exec.Command(node, "callsim-server.js", token)
	cmd.Dir = gen
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "listening ") {
		t.Fatalf("the SDK's server did not start: %q", lines.Text())
	}
	base := "http://127.0.0.1:" + strings.TrimPrefix(lines.Text(), "listening ")

	res, err := Call{Token: token, AnswerURL: base + "/answer", HangupURL: base + "/hangup", Digits: []string{"1", "1234#"}}.Run(context.Background())
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(res.Lines, "\n"))
	}
	stdin.Close()
	var verified []string
	for lines.Scan() {
		verified = append(verified, lines.Text())
	}
	want := []string{"verified POST /answer", "verified POST /choice", "verified GET /connect",
		"verified POST /dial-events DialAnswer", "verified POST /dial-events DialHangup", "verified POST /dialled",
		"verified POST /pin", "verified POST /recorded", "verified POST /hangup 4000 Answer XML"}
	if !slices.Equal(verified, want) {
		t.Errorf("the SDK saw\n %q\nwant %q", verified, want)
	}
	if said := []string{"Welcome.", "Press 1 to be connected.", "Connecting you.", "Enter your PIN.", "Leave a message.", "Thanks. Goodbye."}; !slices.Equal(res.Said, said) {
		t.Errorf("said %q, want %q", res.Said, said)
	}
}
