package pipeline

import (
	"bytes"
	"encoding/json"
	"github.com/tempsweep/tempsweep/jsonio"
	"math"
	"math/big"
	"slices"
	"strconv"
)

// AppendJQValue appends v, a value that gojq returns, as compact JSON to
// dst. The bytes are those of encoding/json's Marshal with HTML escaping
// off (object keys sorted, floats formatted alike), except that NaN becomes
// null and infinities the largest finite numbers, as in jq and gojq. Types
// other than gojq's are left to encoding/json.
func AppendJQValue(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case float64:
		return appendJSONFloat(dst, x)
	case string:
		return jsonio.AppendString(dst, x), nil
	case json.Number:
		if !isJSONNumber(string(x)) {
			return appendMarshaled(dst, v)
		}
		return append(dst, x...), nil
	case *big.Int:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return x.Append(dst, 10), nil
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = AppendJQValue(dst, e); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		return appendJQObject(dst, x)
	}
	return appendMarshaled(dst, v)
}

func appendJQObject(dst []byte, obj map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonio.AppendString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = AppendJQValue(dst, obj[k]); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendJSONFloat formats f as encoding/json does: exponent notation below
// 1e-6 and from 1e21 on, with a one-digit negative exponent unpadded.
func appendJSONFloat(dst []byte, f float64) ([]byte, error) {
	// jq and gojq write NaN as null and infinities as the largest finite
	// numbers, which JSON can carry.
	switch {
	case math.IsNaN(f):
		return append(dst, "null"...), nil
	case math.IsInf(f, 1):
		f = math.MaxFloat64
	case math.IsInf(f, -1):
		f = -math.MaxFloat64
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// Turn e-07 into e-7.
		n := len(dst) - start
		if n >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst, nil
}

// appendMarshaled appends what encoding/json makes of v with HTML escaping
// off, or returns its error.
func appendMarshaled(dst []byte, v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...), nil
}

// isJSONNumber reports whether s is a number in JSON's grammar.
func isJSONNumber(s string) bool {
	var d JQDecoder
	d.text = s
	if s == "" || s[0] != '-' && (s[0] < '0' || s[0] > '9') {
		return false
	}
	_, err := d.number()
	return err == nil && d.pos == len(s)
}
