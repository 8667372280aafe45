package pipeline

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends the record as compact JSON to dst: the bytes that
// encoding/json's Marshal writes for it with HTML escaping turned off, field
// for field, but without reflection.
func (r *FileRecord) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendJSONString(dst, r.Type)
	dst = append(dst, `,"path":`...)
	dst = appendJSONString(dst, r.Path)
	if len(r.PathBytes) > 0 {
		dst = append(dst, `,"pathBytes":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.PathBytes)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"root":`...)
	dst = appendJSONString(dst, r.Root)
	dst = append(dst, `,"name":`...)
	dst = appendJSONString(dst, r.Name)
	dst = append(dst, `,"ext":`...)
	dst = appendJSONString(dst, r.Ext)
	dst = append(dst, `,"size":`...)
	dst = strconv.AppendInt(dst, r.Size, 10)
	dst = append(dst, `,"modTime":`...)
	dst = appendJSONString(dst, r.ModTime)
	if r.AccessTime != "" {
		dst = append(dst, `,"accessTime":`...)
		dst = appendJSONString(dst, r.AccessTime)
	}
	if r.ChangeTime != "" {
		dst = append(dst, `,"changeTime":`...)
		dst = appendJSONString(dst, r.ChangeTime)
	}
	if r.BirthTime != "" {
		dst = append(dst, `,"birthTime":`...)
		dst = appendJSONString(dst, r.BirthTime)
	}
	dst = append(dst, `,"age":`...)
	dst = strconv.AppendInt(dst, r.Age, 10)
	dst = append(dst, `,"listedAt":`...)
	dst = appendJSONString(dst, r.ListedAt)
	dst = append(dst, `,"host":`...)
	dst = appendJSONString(dst, r.Host)
	dst = append(dst, `,"fileId":`...)
	dst = appendJSONString(dst, r.FileID)
	dst = append(dst, `,"readOnly":`...)
	dst = strconv.AppendBool(dst, r.ReadOnly)
	dst = append(dst, `,"hidden":`...)
	dst = strconv.AppendBool(dst, r.Hidden)
	dst = append(dst, `,"links":`...)
	dst = strconv.AppendUint(dst, r.Links, 10)
	return append(dst, '}')
}

// jsonPlain marks the ASCII bytes that encoding/json writes as they are
// when HTML escaping is off.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const lowerHex = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it with HTML escaping off. That is short escapes for '"', '\\',
// \b, \f, \n, \r and \t, and \u00XX for other control characters. The line
// and paragraph separators become \u2028 and \u2029, and invalid UTF-8
// becomes \ufffd.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip 8 bytes at a time while none of them needs a look: the
		// eight loads combine into one.
		for i+8 <= len(s) {
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if hasJSONSpecialByte(x) {
				break
			}
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', lowerHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// hasJSONSpecialByte reports whether any of the 8 bytes in x is below 0x20,
// '"', '\\', or 0x80 and above: the bytes that appendJSONString examines
// one by one.
func hasJSONSpecialByte(x uint64) bool {
	control := (x - swarOnes*0x20) & ^x
	q := x ^ (swarOnes * '"')
	quote := (q - swarOnes) & ^q
	b := x ^ (swarOnes * '\\')
	backslash := (b - swarOnes) & ^b
	return (control|quote|backslash|x)&swarHighs != 0
}
