package security

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ParseJSONParams turns a JSON object body into the parameters Plivo's V3
// signature covers, as plivo-python does: a string as is; a number as Python
// prints it (1, 1.5, 1e+16); true, false, null as True, False, None; an
// array's values each under its key, sorted as strings (10 before 9); a
// nested object as one value, its own sorted key+value pairs concatenated.
//
// Not an object, an array holding arrays, objects or nulls, nesting over 32
// deep, or parameters over 8 times the body (an array repeats its key) is
// an error wrapping [ErrMalformedParams]. Its work is linear in the body.
func ParseJSONParams(body []byte) (url.Values, error) {
	params, _, err := parseJSON(body)
	return params, err
}

const (
	// maxJSONDepth is how deeply a JSON body's objects and arrays may nest:
	// far deeper than a callback's.
	maxJSONDepth = 32
	// maxJSONExpansion bounds the parameters of a JSON body to this many
	// times its size, plus 1 KiB.
	maxJSONExpansion = 8
)

// parseJSON is ParseJSONParams, and also returns its work: the bytes of
// parameters it wrote, each key counted once per value as it is signed.
func parseJSON(body []byte) (url.Values, int, error) {
	if tooDeep(body) {
		return nil, 0, ErrJSONTooDeep
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil {
		return nil, 0, fmt.Errorf("%w: body is not a JSON object: %v", ErrMalformedParams, err)
	}
	if obj == nil {
		return nil, 0, fmt.Errorf("%w: body is not a JSON object", ErrMalformedParams)
	}
	if d.More() {
		return nil, 0, fmt.Errorf("%w: data after the JSON object", ErrMalformedParams)
	}
	c := canonicaliser{budget: maxJSONExpansion*len(body) + 1024}
	params := make(url.Values, len(obj))
	for key, val := range obj {
		vals, err := c.values(key, val)
		if err != nil {
			return nil, c.written, fmt.Errorf("%w: key %.64q: %v", ErrMalformedParams, key, err)
		}
		if len(vals) > 0 {
			params[key] = vals
		}
	}
	return params, c.written, nil
}

// tooDeep reports whether body's objects and arrays nest more than
// maxJSONDepth deep, skipping strings (a malformed body is the decoder's).
func tooDeep(body []byte) bool {
	depth, inString := 0, false
	for i := 0; i < len(body) && depth <= maxJSONDepth; i++ {
		switch c := body[i]; {
		case inString && c == '\\':
			i++ // the escaped byte
		case c == '"':
			inString = !inString
		case inString:
		case c == '{', c == '[':
			depth++
		case c == '}', c == ']':
			depth--
		}
	}
	return depth > maxJSONDepth
}

// canonicaliser prints JSON values as plivo-python signs them, writing each
// byte once and counting it against a budget.
type canonicaliser struct {
	written, budget int
}

// count adds n bytes about to be written to the work done, or fails when
// they would exceed the budget.
func (c *canonicaliser) count(n int) error {
	if c.written+n > c.budget {
		return fmt.Errorf("its parameters would exceed %d bytes (an array repeats its key for each value)", c.budget)
	}
	c.written += n
	return nil
}

// values returns what val signs as under key: one string for a scalar or a
// nested object, and for an array one per value, sorted.
func (c *canonicaliser) values(key string, val any) ([]string, error) {
	switch val := val.(type) {
	case map[string]any:
		var b strings.Builder
		if err := c.count(len(key)); err != nil {
			return nil, err
		}
		err := c.object(&b, val)
		return []string{b.String()}, err
	case []any:
		vals, err := arrayValues(val)
		if err != nil {
			return nil, err
		}
		n := len(key) * len(vals)
		for _, v := range vals {
			n += len(v)
		}
		return vals, c.count(n)
	default:
		s := pythonScalar(val)
		return []string{s}, c.count(len(key) + len(s))
	}
}

// object writes a nested object to b as plivo-python's
// get_sorted_params_string does: its keys sorted, each followed by its
// value, a nested object's pairs in place, an array's values each after a
// copy of the key.
func (c *canonicaliser) object(b *strings.Builder, obj map[string]any) error {
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		if nested, ok := obj[key].(map[string]any); ok {
			if err := c.count(len(key)); err != nil {
				return err
			}
			b.WriteString(key)
			if err := c.object(b, nested); err != nil {
				return err
			}
			continue
		}
		vals, err := c.values(key, obj[key])
		if err != nil {
			return err
		}
		for _, v := range vals {
			b.WriteString(key)
			b.WriteString(v)
		}
	}
	return nil
}

// arrayValues prints an array's values as Python's str() does and sorts
// them as strings, as plivo-python does.
func arrayValues(arr []any) ([]string, error) {
	out := make([]string, len(arr))
	for i, e := range arr {
		switch e.(type) {
		case string, bool, json.Number:
			out[i] = pythonScalar(e)
		default:
			return nil, errors.New("arrays may hold strings, numbers or booleans only")
		}
	}
	slices.Sort(out)
	return out, nil
}

// pythonScalar prints a string, number, boolean or null as Python's str()
// prints what json.loads made of it.
func pythonScalar(val any) string {
	switch val := val.(type) {
	case string:
		return val
	case bool:
		if val {
			return "True"
		}
		return "False"
	case json.Number:
		return pythonNumber(val)
	default: // nil
		return "None"
	}
}

// pythonNumber prints a JSON number as Python's str() prints what json.loads
// made of it: integers exactly as written (but -0, which is 0), floats in
// repr form (inf for one too large).
func pythonNumber(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if s == "-0" {
			return "0"
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		if strings.HasPrefix(s, "-") {
			return "-inf"
		}
		return "inf"
	}
	return pythonFloatRepr(f)
}

// pythonFloatRepr formats f as Python's repr: the shortest digits that round
// trip, in positional form (with at least one decimal) when the exponent is
// in [-4, 16), else in exponent form, such as 1e+16 or 1.5e-05.
func pythonFloatRepr(f float64) string {
	e := strconv.FormatFloat(f, 'e', -1, 64)
	if exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:]); exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
