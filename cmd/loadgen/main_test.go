package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestMain lets the test binary be the bare server too, as loadgen starts
// itself to be one.
func TestMain(m *testing.M) {
	if os.Getenv(bareServerEnv) == "1" {
		os.Exit(serveBare(os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestLoadgen runs the generator briefly against real servers it builds and
// starts: every answer is a 200, the servers exit 0 on SIGTERM.
func TestLoadgen(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	for _, args := range [][]string{
		{"-route", "speak", "-duration", "1s", "-warmup", "200ms", "-c", "4"},
		{"-route", "sms", "-duration", "1s", "-warmup", "200ms", "-c", "4", "-replicas", "2"},
		{"-route", "bare,speak", "-duration", "1s", "-warmup", "200ms", "-c", "2", "-rounds", "2"},
		{"-route", "speak", "-duration", "1s", "-warmup", "200ms", "-c", "2", "-rounds", "2",
			"-variant", "small:REPLAY_MAX_ENTRIES=1000000", "-variant", "off:REPLAY_WINDOW=0"},
	} {
		var out, errs bytes.Buffer
		if code := run(args, &out, &errs); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, &out, &errs)
		}
		s := out.String()
		for _, m := range regexp.MustCompile(`requests (\d+) .* statuses (\S+)  transport errors (\d+)`).FindAllStringSubmatch(s, -1) {
			if m[1] == "0" || m[2] != "200="+m[1] || m[3] != "0" {
				t.Errorf("%v: every answer should be a 200:\n%s", args, s)
			}
		}
		if strings.Count(s, "exit 0") < 1 || !strings.Contains(s, "route ") ||
			strings.Contains(strings.Join(args, " "), "-variant") && !strings.Contains(s, "ratio  speak@off/speak@small") {
			t.Errorf("%v:\n%s", args, s)
		}
	}
}

func TestLoadgenFlags(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-duration", "11m"}, &out, &errs); code != 2 {
		t.Errorf("an unbounded run was accepted: exit %d", code)
	}
}
