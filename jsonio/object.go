package jsonio

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Member is one key and raw value of a JSON object.
type Member struct {
	Key   string
	Value json.RawMessage
}

// Object is a JSON object's top-level members in their input order.
type Object []Member

// ParseObject splits raw, a JSON object, into its members. Values stay raw:
// compact values share memory with raw, and values that contain whitespace
// are compacted into new memory. Keys are unescaped. ParseObject returns an
// error if raw is not valid JSON or not an object.
func ParseObject(raw []byte) (Object, error) {
	i := skipWhitespace(raw, 0)
	if i == len(raw) {
		return nil, errors.New("record is empty")
	}
	if raw[i] != '{' {
		return nil, fmt.Errorf("record is not a JSON object but %s", kindName(raw[i]))
	}
	var stackStorage [32]byte
	s := scanner{stack: stackStorage[:0]}
	s.reset(i)
	if s.scan(raw, 0, true) != scanDone {
		return nil, fmt.Errorf("invalid JSON: expected %s but found %s", s.errExpected, foundText(&s, raw))
	}
	if j := skipWhitespace(raw, s.pos); j < len(raw) {
		return nil, fmt.Errorf("invalid JSON: expected the end of the record but found %s", describeByte(raw, j))
	}

	// keys collects the unescaped keys, which become one string at the end.
	var keyStorage [256]byte
	keys := keyStorage[:0]
	var boundaryStorage [32]int
	keyEnds := boundaryStorage[:0]
	obj := make(Object, 0, 16)
	i++
	for {
		i = skipWhitespace(raw, i)
		if raw[i] == '}' {
			break
		}
		if raw[i] == ',' {
			i = skipWhitespace(raw, i+1)
		}
		keyEnd := stringEnd(raw, i+1)
		keys = appendUnquoted(keys, raw[i+1:keyEnd-1])
		keyEnds = append(keyEnds, len(keys))
		i = skipWhitespace(raw, keyEnd)
		i = skipWhitespace(raw, i+1) // after ':'
		end, spaced := valueEnd(raw, i)
		value := raw[i:end:end]
		if spaced {
			value = appendCompact(nil, value, false)
		}
		obj = append(obj, Member{Value: value})
		i = end
	}
	allKeys := string(keys)
	start := 0
	for k, end := range keyEnds {
		obj[k].Key = allKeys[start:end]
		start = end
	}
	return obj, nil
}

// foundText describes the bytes at the scanner's failure.
func foundText(s *scanner, buf []byte) string {
	if s.errFound != "" {
		return s.errFound
	}
	return describeByte(buf, s.errPos)
}

func kindName(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if c == '-' || isDigit(c) {
		return "a number"
	}
	return "invalid JSON starting with " + describeByte([]byte{c}, 0)
}

func skipWhitespace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the end of the valid JSON value that starts at b[i], and
// whether it contains whitespace outside strings.
func valueEnd(b []byte, i int) (end int, spaced bool) {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			i = stringEnd(b, i+1)
			if depth == 0 {
				return i, spaced
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i, spaced
			}
			depth--
			if depth == 0 {
				return i + 1, spaced
			}
		case ',':
			if depth == 0 {
				return i, spaced
			}
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i, spaced
			}
			spaced = true
		}
		i++
	}
	return i, spaced
}

// appendUnquoted appends the contents of a valid JSON string, without its
// quotes, with escapes decoded. Unpaired surrogates become U+FFFD, as in
// encoding/json.
func appendUnquoted(dst, s []byte) []byte {
	for len(s) > 0 {
		k := 0
		for k < len(s) && s[k] != '\\' {
			k++
		}
		dst = append(dst, s[:k]...)
		s = s[k:]
		if len(s) == 0 {
			break
		}
		switch s[1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := parseHex4(s[2:6])
			s = s[6:]
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
					r2 = parseHex4(s[2:6])
				}
				if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
					r = pair
					s = s[6:]
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, s[1])
		}
		s = s[2:]
	}
	return dst
}

func parseHex4(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case c <= '9':
			r = r<<4 | rune(c-'0')
		case c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			r = r<<4 | rune(c-'a'+10)
		}
	}
	return r
}

// Get returns the value of key, compared exactly. If the key occurs more
// than once it returns the last value, as encoding/json would decode.
func (o Object) Get(key string) (json.RawMessage, bool) {
	for k := len(o) - 1; k >= 0; k-- {
		if o[k].Key == key {
			return o[k].Value, true
		}
	}
	return nil, false
}

// GetFold returns the value and the key of the first member whose key
// equals key under Unicode case folding, so "FullName" finds "fullname".
func (o Object) GetFold(key string) (json.RawMessage, string, bool) {
	for _, m := range o {
		if strings.EqualFold(m.Key, key) {
			return m.Value, m.Key, true
		}
	}
	return nil, "", false
}

// Set replaces the value of key in place, or appends the member. If the key
// occurs more than once, Set replaces the last value, the one Get returns.
func (o *Object) Set(key string, v json.RawMessage) {
	for k := len(*o) - 1; k >= 0; k-- {
		if (*o)[k].Key == key {
			(*o)[k].Value = v
			return
		}
	}
	*o = append(*o, Member{Key: key, Value: v})
}

// Delete removes every member named key.
func (o *Object) Delete(key string) {
	kept := (*o)[:0]
	for _, m := range *o {
		if m.Key != key {
			kept = append(kept, m)
		}
	}
	clear((*o)[len(kept):])
	*o = kept
}

// AppendJSON appends the compact object to dst. Values are compacted as
// WriteRaw does, and an empty value is written as null.
func (o Object) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for k, m := range o {
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, m.Key)
		dst = append(dst, ':')
		if len(m.Value) == 0 {
			dst = append(dst, "null"...)
			continue
		}
		dst = appendCompact(dst, m.Value, false)
	}
	return append(dst, '}')
}
