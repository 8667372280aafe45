package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDecodeDepth is the nesting limit of arrays and objects in a decoded
// value, the same limit as encoding/json's.
const maxDecodeDepth = 10000

// JQDecoder turns JSON text into the values that gojq runs on. It keeps no
// state between values except a hint for the size of the next top-level
// object, so one JQDecoder serves a stream of similar records. A JQDecoder
// is not safe for concurrent use.
type JQDecoder struct {
	text  string
	pos   int
	depth int
	// objectSize is the member count of the last top-level object, used
	// to size the next one's map.
	objectSize int
	scratch    []byte
	// spaced records whether the last text had whitespace between tokens.
	spaced bool
}

// Decode decodes text, which must be one JSON value in valid UTF-8 (as
// jsonio.Reader returns them), with whitespace allowed around it. Objects
// become map[string]any (the last of duplicate keys wins), arrays []any,
// strings string, and true, false and null bool and nil. An integer whose
// text is canonical and fits in an int becomes an int. Every other number
// becomes a json.Number with its text unchanged, so that numbers gojq does
// not touch are written back exactly as they came. Strings without escapes
// share memory with text.
//
// Decode returns an error for text that is not valid JSON. It does not
// check the UTF-8 inside strings.
func (d *JQDecoder) Decode(text string) (any, error) {
	d.text = text
	d.pos = 0
	d.depth = 0
	d.spaced = false
	v, err := d.value(true)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos != len(d.text) {
		return nil, d.syntaxError("the end of the value")
	}
	return v, nil
}

func (d *JQDecoder) skipSpace() {
	for d.pos < len(d.text) {
		switch d.text[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
			d.spaced = true
		default:
			return
		}
	}
}

// Compact reports whether the text that Decode last decoded had no
// whitespace outside its strings, so that it can be written as it is.
func (d *JQDecoder) Compact() bool { return !d.spaced }

func (d *JQDecoder) syntaxError(expected string) error {
	if d.pos >= len(d.text) {
		return fmt.Errorf("decode value: expected %s at offset %d but found the end of the text", expected, d.pos)
	}
	return fmt.Errorf("decode value: expected %s at offset %d but found %q", expected, d.pos, d.text[d.pos])
}

func (d *JQDecoder) value(top bool) (any, error) {
	d.skipSpace()
	if d.pos >= len(d.text) {
		return nil, d.syntaxError("a value")
	}
	switch c := d.text[d.pos]; c {
	case '{':
		return d.object(top)
	case '[':
		return d.array()
	case '"':
		return d.stringValue()
	case 't':
		return d.literal("true", true)
	case 'f':
		return d.literal("false", false)
	case 'n':
		return d.literal("null", nil)
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return d.number()
		}
		return nil, d.syntaxError("a value")
	}
}

func (d *JQDecoder) literal(word string, v any) (any, error) {
	if len(d.text)-d.pos < len(word) || d.text[d.pos:d.pos+len(word)] != word {
		return nil, d.syntaxError(word)
	}
	d.pos += len(word)
	return v, nil
}

func (d *JQDecoder) enter() error {
	d.depth++
	if d.depth > maxDecodeDepth {
		return fmt.Errorf("decode value: nested deeper than %d levels", maxDecodeDepth)
	}
	return nil
}

func (d *JQDecoder) object(top bool) (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // '{'
	hint := 0
	if top {
		hint = d.objectSize
	}
	obj := make(map[string]any, hint)
	d.skipSpace()
	if d.pos < len(d.text) && d.text[d.pos] == '}' {
		d.pos++
		d.depth--
		return obj, nil
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.text) || d.text[d.pos] != '"' {
			return nil, d.syntaxError("a string key")
		}
		key, err := d.stringText()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.text) || d.text[d.pos] != ':' {
			return nil, d.syntaxError("':' after the object key")
		}
		d.pos++
		v, err := d.value(false)
		if err != nil {
			return nil, err
		}
		obj[key] = v
		d.skipSpace()
		if d.pos < len(d.text) && d.text[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.pos < len(d.text) && d.text[d.pos] == '}' {
			d.pos++
			break
		}
		return nil, d.syntaxError("',' or '}' after the object member")
	}
	if top {
		d.objectSize = len(obj)
	}
	d.depth--
	return obj, nil
}

func (d *JQDecoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // '['
	arr := []any{}
	d.skipSpace()
	if d.pos < len(d.text) && d.text[d.pos] == ']' {
		d.pos++
		d.depth--
		return arr, nil
	}
	for {
		v, err := d.value(false)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		d.skipSpace()
		if d.pos < len(d.text) && d.text[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.pos < len(d.text) && d.text[d.pos] == ']' {
			d.pos++
			break
		}
		return nil, d.syntaxError("',' or ']' after the array element")
	}
	d.depth--
	return arr, nil
}

func (d *JQDecoder) stringValue() (any, error) {
	s, err := d.stringText()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// stringText decodes the string at d.pos, which starts with '"'.
func (d *JQDecoder) stringText() (string, error) {
	start := d.pos + 1
	i := start
	for i < len(d.text) {
		c := d.text[i]
		if stringPlain[c] {
			i++
			continue
		}
		if c == '"' {
			d.pos = i + 1
			return d.text[start:i], nil
		}
		if c == '\\' {
			return d.escapedString(start, i)
		}
		if c < 0x20 {
			d.pos = i
			return "", d.syntaxError("'\"' to end the string")
		}
		i++
	}
	d.pos = i
	return "", d.syntaxError("'\"' to end the string")
}

// escapedString decodes a string whose contents start at start and whose
// first backslash is at i. Unpaired surrogates become U+FFFD, as
// encoding/json decodes them.
func (d *JQDecoder) escapedString(start, i int) (string, error) {
	buf := append(d.scratch[:0], d.text[start:i]...)
	for i < len(d.text) {
		c := d.text[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.scratch = buf
			return string(buf), nil
		case c < 0x20:
			d.pos = i
			return "", d.syntaxError("'\"' to end the string")
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(d.text) {
			d.pos = i
			return "", d.syntaxError("an escape sequence")
		}
		switch e := d.text[i+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(d.text, i+2)
			if !ok {
				d.pos = i
				return "", d.syntaxError(`\u and four hex digits`)
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if i+1 < len(d.text) && d.text[i] == '\\' && d.text[i+1] == 'u' {
					r2, ok = hex4(d.text, i+2)
				}
				if pair := utf16.DecodeRune(r, r2); ok && pair != utf8.RuneError {
					r = pair
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
			continue
		default:
			d.pos = i
			return "", d.syntaxError("a valid escape sequence")
		}
		i += 2
	}
	d.pos = i
	return "", d.syntaxError("'\"' to end the string")
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// stringPlain marks the bytes that stringText passes over without a look:
// all but '"', '\\' and control characters.
var stringPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x100; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

var errInvalidNumber = errors.New("decode value: invalid number")

// number decodes the number at d.pos. Integers of up to 18 digits become
// ints, because their text is what strconv writes back, except for "-0",
// which stays a json.Number.
func (d *JQDecoder) number() (any, error) {
	start := d.pos
	i := start
	if d.text[i] == '-' {
		i++
	}
	digitsStart := i
	var n int64
	for i < len(d.text) && '0' <= d.text[i] && d.text[i] <= '9' {
		n = n*10 + int64(d.text[i]-'0')
		i++
	}
	digits := i - digitsStart
	if digits == 0 || digits > 1 && d.text[digitsStart] == '0' {
		d.pos = i
		return nil, errInvalidNumber
	}
	integer := i == len(d.text) || d.text[i] != '.' && d.text[i] != 'e' && d.text[i] != 'E'
	if integer && digits <= 18 && !(n == 0 && start != digitsStart) && int64(int(n)) == n {
		d.pos = i
		if start != digitsStart {
			n = -n
		}
		return int(n), nil
	}
	if i < len(d.text) && d.text[i] == '.' {
		i++
		fraction := i
		for i < len(d.text) && '0' <= d.text[i] && d.text[i] <= '9' {
			i++
		}
		if i == fraction {
			d.pos = i
			return nil, errInvalidNumber
		}
	}
	if i < len(d.text) && (d.text[i] == 'e' || d.text[i] == 'E') {
		i++
		if i < len(d.text) && (d.text[i] == '+' || d.text[i] == '-') {
			i++
		}
		exponent := i
		for i < len(d.text) && '0' <= d.text[i] && d.text[i] <= '9' {
			i++
		}
		if i == exponent {
			d.pos = i
			return nil, errInvalidNumber
		}
	}
	d.pos = i
	return json.Number(d.text[start:i]), nil
}

// DecodeJQValue decodes one JSON value as JQDecoder.Decode does.
func DecodeJQValue(text string) (any, error) {
	var d JQDecoder
	return d.Decode(text)
}
