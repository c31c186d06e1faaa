package security

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// ParseJSONParams turns a JSON object body into the parameters Plivo's V3
// signature covers, following plivo-python (the SDKs disagree; see the
// README): a string is used as is; a number as Python prints it (1, 1.5,
// 1e+16); true, false and null as True, False and None; an array adds each
// of its values under the same key (numbers sorted as numbers, as Python
// sorts them); and a nested object becomes one value, the concatenation of
// its own sorted key+value pairs. Anything that is not an object, or an array
// holding arrays, objects, nulls or mixed types (which plivo-python cannot
// sort either), is an error wrapping [ErrMalformedParams].
func ParseJSONParams(body []byte) (url.Values, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil {
		return nil, fmt.Errorf("%w: body is not a JSON object: %v", ErrMalformedParams, err)
	}
	if obj == nil {
		return nil, fmt.Errorf("%w: body is not a JSON object", ErrMalformedParams)
	}
	if d.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrMalformedParams)
	}
	params := make(url.Values, len(obj))
	for key, val := range obj {
		vals, err := jsonValues(val)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: %v", ErrMalformedParams, clip(key, 64), err)
		}
		if len(vals) > 0 {
			params[key] = vals
		}
	}
	return params, nil
}

// jsonValues canonicalises one JSON value into the strings it signs as.
func jsonValues(val any) ([]string, error) {
	switch val := val.(type) {
	case []any:
		return jsonArray(val)
	case map[string]any:
		s, err := nestedParams(val)
		return []string{s}, err
	default:
		return []string{jsonScalar(val)}, nil
	}
}

func jsonScalar(val any) string {
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

// jsonArray sorts an array as Python's list.sort does for one element type.
func jsonArray(arr []any) ([]string, error) {
	if len(arr) == 0 {
		return nil, nil
	}
	out := make([]string, len(arr))
	switch arr[0].(type) {
	case string, bool:
		kind := fmt.Sprintf("%T", arr[0])
		for i, e := range arr {
			if fmt.Sprintf("%T", e) != kind {
				return nil, fmt.Errorf("array mixes types")
			}
			out[i] = jsonScalar(e)
		}
		slices.Sort(out) // "False" < "True" and strings by code point, as Python
	case json.Number:
		nums := make([]float64, len(arr))
		for i, e := range arr {
			n, ok := e.(json.Number)
			if !ok {
				return nil, fmt.Errorf("array mixes types")
			}
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil {
				return nil, fmt.Errorf("number %q out of range", clip(string(n), 32))
			}
			nums[i], out[i] = f, pythonNumber(n)
		}
		idx := make([]int, len(arr))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(nums[a], nums[b]) })
		sorted := make([]string, len(arr))
		for i, j := range idx {
			sorted[i] = out[j]
		}
		out = sorted
	default:
		return nil, fmt.Errorf("arrays may hold strings, numbers or booleans only")
	}
	return out, nil
}

// nestedParams is plivo-python's get_sorted_params_string for a nested object.
func nestedParams(obj map[string]any) (string, error) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		vals, err := jsonValues(obj[k])
		if err != nil {
			return "", err
		}
		for _, v := range vals {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	return b.String(), nil
}

// pythonNumber prints a JSON number as Python's str() prints what json.loads
// made of it: integers exactly as written, floats in repr form.
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
// trip, in positional form when the exponent is in [-4, 16), else as 1e+16.
func pythonFloatRepr(f float64) string {
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±xx
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := strconv.Itoa(abs(exp))
		if len(es) < 2 {
			es = "0" + es
		}
		if exp < 0 {
			return sign + m + "e-" + es
		}
		return sign + m + "e+" + es
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
