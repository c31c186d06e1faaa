package security

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestJSONAsPlivoPythonSigns checks the parameters string of a JSON body
// against plivo-python's get_sorted_params_string (plivo/utils/signature_v3.py),
// run on each body: arrays are printed and sorted as strings, at the top and
// nested.
func TestJSONAsPlivoPythonSigns(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{`{"n":[10,9,1.5]}`, "n1.5n10n9"},
		{`{"x":{"n":[10,9,1.5],"b":true}}`, "xbTruen1.5n10n9"},
		{`{"a":[1,"x",true,false]}`, "a1aFalseaTrueax"},
		{`{"a":[1e999,-1e999,1E2]}`, "a-infa100.0ainf"},
		{`{"x":{"b":"2","a":["z","y"],"c":{"d":true}}}`, "xayazb2cdTrue"},
		{`{"a":true,"b":false,"c":null,"d":-0,"e":-0.0,"f":1e16,"g":1.5e-7,"h":12345678901234567890}`,
			"aTruebFalsecNoned0e-0.0f1e+16g1.5e-07h12345678901234567890"},
		{`{"k":{"z":{"y":{"x":"1"}},"a":[]}}`, "kzyx1"},
	} {
		params, err := ParseJSONParams([]byte(tt.body))
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		msg, _ := v3Message("POST", "https://h/", nil, params, "1")
		if got, want := string(msg), "https://h/?"+tt.want+".1"; got != want {
			t.Errorf("%s signs as %q, plivo-python %q", tt.body, got, want)
		}
	}
}

// TestJSONDepthBound: objects and arrays nested up to 32 deep are read,
// deeper is refused with a reason that names the bound, before any
// decoding.
func TestJSONDepthBound(t *testing.T) {
	nest := func(depth int) string { // the top-level object counts as 1
		return strings.Repeat(`{"a":`, depth-1) + `{"b":["1"]}` + strings.Repeat("}", depth-1)
	}
	if _, err := ParseJSONParams([]byte(nest(31))); err != nil { // 31 objects and an array
		t.Fatalf("32 deep: %v", err)
	}
	for _, body := range []string{nest(32), nest(6000), `{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "}"} {
		_, err := ParseJSONParams([]byte(body))
		if !errors.Is(err, ErrJSONTooDeep) || !errors.Is(err, ErrMalformedParams) || !strings.Contains(err.Error(), "nested more than 32 deep") {
			t.Errorf("%.20s… (%d bytes): %v; want refused as nested too deep", body, len(body), err)
		}
	}
	// Brackets inside strings are data, not nesting.
	if _, err := ParseJSONParams([]byte(`{"a":"` + strings.Repeat(`{[\"`, 100) + `"}`)); err != nil {
		t.Errorf("brackets in a string: %v", err)
	}
}

// TestJSONWorkIsLinear counts the bytes the canonicaliser writes, not the
// time it takes: for deep, wide and long-array bodies, and bodies that
// cross the bound, the work stays within a constant times the body's size.
// Before, each nested object's string was copied into the level above, so
// the work grew with the square of the depth.
func TestJSONWorkIsLinear(t *testing.T) {
	var wide, numbers []string
	for i := range 3000 {
		wide = append(wide, fmt.Sprintf(`"k%d":"v"`, i))
		numbers = append(numbers, fmt.Sprint(i%1000))
	}
	deep := strings.Repeat(`{"ab":"cd","n":`, 31) + `{"e":"f"}` + strings.Repeat("}", 31)
	longKey := strings.Repeat("K", 4000)
	for _, tt := range []struct {
		name, body string
		refused    bool
	}{
		{"deep, to the bound", deep, false},
		{"wide", "{" + strings.Join(wide, ",") + "}", false},
		{"wide nested", `{"x":{` + strings.Join(wide, ",") + "}}", false},
		{"long array", `{"n":[` + strings.Join(numbers, ",") + "]}", false},
		{"long key over a long array", `{"` + longKey + `":[` + strings.Join(numbers, ",") + "]}", true},
		{"long key over a nested long array", `{"x":{"` + longKey + `":[` + strings.Join(numbers, ",") + "]}}", true},
		{"3,000 deep", strings.Repeat(`{"a":`, 3000) + "1" + strings.Repeat("}", 3000), true},
	} {
		_, work, err := parseJSON([]byte(tt.body))
		if limit := maxJSONExpansion*len(tt.body) + 1024; work > limit {
			t.Errorf("%s: %d bytes written for a body of %d", tt.name, work, len(tt.body))
		}
		if refused := errors.Is(err, ErrMalformedParams); refused != tt.refused {
			t.Errorf("%s: error %v, want refused %v", tt.name, err, tt.refused)
		}
		if !tt.refused && work > 2*len(tt.body) {
			t.Errorf("%s: %d bytes written for a body of %d; want at most twice", tt.name, work, len(tt.body))
		}
	}
}
