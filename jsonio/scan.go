package jsonio

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Scanner states: what the scanner expects at its position.
const (
	expectValue      uint8 = iota // any value
	expectValueOrEnd              // after '[': a value or ']'
	expectKeyOrEnd                // after '{': a key or '}'
	expectKey                     // after ',' in an object
	expectColon                   // after a key
	expectCommaOrEnd              // after a value inside an array or object
	inString                      // inside a key or a string value
)

type scanStatus uint8

const (
	scanDone scanStatus = iota
	scanNeedMore
	scanFailed
)

// scanner validates one JSON value and finds where it ends. It is
// resumable: when the buffer ends inside the value it saves its state and
// returns scanNeedMore, and the caller appends input and calls scan again.
// It rejects everything encoding/json rejects, including invalid UTF-8.
type scanner struct {
	stack     []byte // open containers, '{' or '['
	state     uint8
	isKey     bool // the string being scanned is an object key
	lastKind  byte // first byte of the last scalar or closing bracket seen
	pos       int  // index in the buffer of the next byte to examine
	line      int  // 1-based line of pos
	lineStart int  // stream offset of the first byte of line

	// Set when scan returns scanFailed.
	errPos      int
	errLine     int
	errExpected string // description of what the grammar allows at errPos
	errFound    string // description of the bytes at errPos, or "" to describe the byte there
	errUTF8     bool   // the failure is invalid UTF-8 inside a string
}

// reset prepares the scanner for a value that starts at buffer index pos.
func (s *scanner) reset(pos int) {
	s.stack = s.stack[:0]
	s.state = expectValue
	s.pos = pos
}

// plainString marks the bytes that can appear unescaped in a JSON string
// without further checks: printable ASCII other than '"' and '\\'.
var plainString = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// validEscape marks the bytes that may follow a backslash, other than 'u'.
var validEscape = [256]bool{'"': true, '\\': true, '/': true, 'b': true, 'f': true, 'n': true, 'r': true, 't': true}

const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// specialBytes returns a mask whose lowest set bit is the high bit of the
// first of the 8 little-endian bytes in x that is not plain in a JSON
// string: below 0x20, '"', '\\' or 0x80 and above. It is 0 if all are plain.
// Higher bits may be set falsely, because a borrow can carry past the first
// match, but never below it.
func specialBytes(x uint64) uint64 {
	control := (x - swarOnes*0x20) & ^x
	q := x ^ (swarOnes * '"')
	quote := (q - swarOnes) & ^q
	b := x ^ (swarOnes * '\\')
	backslash := (b - swarOnes) & ^b
	return (control | quote | backslash | x) & swarHighs
}

// scan advances over buf[s.pos:]. base is the stream offset of buf[0], and
// eof means that no input follows buf. It returns scanDone with s.pos just
// after the value, scanNeedMore with the state saved, or scanFailed with
// the err fields set.
func (s *scanner) scan(buf []byte, base int, eof bool) scanStatus {
	i := s.pos
	n := len(buf)
	state := s.state
	for {
		if state == inString {
			// Skip 8 bytes at a time to the first byte that is not plain,
			// and finish the last few bytes of the buffer one by one.
			for i+8 <= n {
				if mask := specialBytes(binary.LittleEndian.Uint64(buf[i:])); mask != 0 {
					i += bits.TrailingZeros64(mask) >> 3
					break
				}
				i += 8
			}
			if i+8 > n {
				for i < n && plainString[buf[i]] {
					i++
				}
			}
			if i == n {
				if eof {
					return s.fail(i, "'\"' to end the string", "")
				}
				s.pos, s.state = i, state
				return scanNeedMore
			}
			c := buf[i]
			switch {
			case c == '"':
				i++
				if s.isKey {
					state = expectColon
					continue
				}
				s.lastKind = '"'
				if len(s.stack) == 0 {
					s.pos = i
					return scanDone
				}
				state = expectCommaOrEnd
			case c == '\\':
				if i+1 == n && !eof {
					s.pos, s.state = i, state
					return scanNeedMore
				}
				if i+1 < n && validEscape[buf[i+1]] {
					i += 2
					continue
				}
				if i+1 < n && buf[i+1] == 'u' {
					if i+6 > n && !eof && isHexPrefix(buf[i+2:]) {
						s.pos, s.state = i, state
						return scanNeedMore
					}
					if i+6 <= n && isHexPrefix(buf[i+2:i+6]) {
						i += 6
						continue
					}
				}
				return s.fail(i, `a valid escape such as \n, \" or \u00e9`, quoteBytes(buf[i:min(i+6, n)]))
			case c < 0x20:
				return s.fail(i, "'\"' to end the string", "")
			default:
				if !utf8.FullRune(buf[i:]) && !eof {
					s.pos, s.state = i, state
					return scanNeedMore
				}
				r, size := utf8.DecodeRune(buf[i:])
				if r == utf8.RuneError && size == 1 {
					s.fail(i, "UTF-8 text", "")
					s.errUTF8 = true
					return scanFailed
				}
				i += size
			}
			continue
		}

		for i < n {
			c := buf[i]
			if c == ' ' || c == '\t' || c == '\r' {
				i++
				continue
			}
			if c == '\n' {
				s.line++
				s.lineStart = base + i + 1
				i++
				continue
			}
			break
		}
		if i == n {
			if eof {
				return s.fail(i, expectedText(state, s.stack), "")
			}
			s.pos, s.state = i, state
			return scanNeedMore
		}

		c := buf[i]
		switch state {
		case expectCommaOrEnd:
			top := s.stack[len(s.stack)-1]
			if c == ',' {
				i++
				state = expectValue
				if top == '{' {
					state = expectKey
				}
				continue
			}
			if c != top+2 { // '}' is '{'+2 and ']' is '['+2
				return s.fail(i, expectedText(state, s.stack), "")
			}
		case expectColon:
			if c != ':' {
				return s.fail(i, expectedText(state, s.stack), "")
			}
			i++
			state = expectValue
			continue
		case expectKeyOrEnd, expectKey:
			if c == '"' {
				i++
				s.isKey = true
				state = inString
				continue
			}
			if c != '}' || state == expectKey {
				return s.fail(i, expectedText(state, s.stack), "")
			}
		default: // expectValue, expectValueOrEnd
			if c == ']' && state == expectValueOrEnd {
				break
			}
			switch c {
			case '{', '[':
				s.stack = append(s.stack, c)
				i++
				state = expectKeyOrEnd
				if c == '[' {
					state = expectValueOrEnd
				}
				continue
			case '"':
				i++
				s.isKey = false
				state = inString
				continue
			}
			end, status := s.scanScalar(buf, i, eof)
			if status != scanDone {
				if status == scanNeedMore {
					s.pos, s.state = i, state
				}
				return status
			}
			s.lastKind = c
			i = end
			if len(s.stack) == 0 {
				s.pos = i
				return scanDone
			}
			state = expectCommaOrEnd
			continue
		}

		// c closes the innermost container.
		i++
		s.stack = s.stack[:len(s.stack)-1]
		s.lastKind = c
		if len(s.stack) == 0 {
			s.pos = i
			return scanDone
		}
		state = expectCommaOrEnd
	}
}

// scanScalar scans the number or literal that starts at buf[i].
func (s *scanner) scanScalar(buf []byte, i int, eof bool) (int, scanStatus) {
	var literal string
	switch buf[i] {
	case 't':
		literal = "true"
	case 'f':
		literal = "false"
	case 'n':
		literal = "null"
	default:
		if buf[i] == '-' || isDigit(buf[i]) {
			return s.scanNumber(buf, i, eof)
		}
		return 0, s.fail(i, "a value", "")
	}
	rest := buf[i:]
	if len(rest) >= len(literal) && string(rest[:len(literal)]) == literal {
		return i + len(literal), scanDone
	}
	if len(rest) < len(literal) && !eof && literal[:len(rest)] == string(rest) {
		return 0, scanNeedMore
	}
	return 0, s.fail(i, "a value", quoteBytes(wordAt(buf, i)))
}

// scanNumber scans the number that starts at buf[i], following the JSON
// grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. A number that
// reaches the end of buf is incomplete unless eof is set.
func (s *scanner) scanNumber(buf []byte, i int, eof bool) (int, scanStatus) {
	n := len(buf)
	j := i
	if buf[j] == '-' {
		j++
	}
	// digits scans a run of at least one digit.
	digits := func(after string) scanStatus {
		if j == n {
			if eof {
				return s.fail(j, "a digit after "+after, "")
			}
			return scanNeedMore
		}
		if !isDigit(buf[j]) {
			return s.fail(j, "a digit after "+after, "")
		}
		for j < n && isDigit(buf[j]) {
			j++
		}
		return scanDone
	}
	if j < n && buf[j] == '0' {
		j++
	} else if st := digits("'-'"); st != scanDone {
		return 0, st
	}
	if j < n && buf[j] == '.' {
		j++
		if st := digits("'.'"); st != scanDone {
			return 0, st
		}
	}
	if j < n && (buf[j] == 'e' || buf[j] == 'E') {
		j++
		if j < n && (buf[j] == '+' || buf[j] == '-') {
			j++
		}
		if st := digits("the exponent mark"); st != scanDone {
			return 0, st
		}
	}
	if j == n && !eof {
		return 0, scanNeedMore
	}
	return j, scanDone
}

func (s *scanner) fail(i int, expected, found string) scanStatus {
	s.errPos = i
	s.errLine = s.line
	s.errExpected = expected
	s.errFound = found
	s.errUTF8 = false
	return scanFailed
}

// expectedText describes what the grammar allows in state.
func expectedText(state uint8, stack []byte) string {
	switch state {
	case expectValueOrEnd:
		return "a value or ']'"
	case expectKeyOrEnd:
		return "a string key or '}'"
	case expectKey:
		return "a string key"
	case expectColon:
		return "':' after the object key"
	case expectCommaOrEnd:
		if stack[len(stack)-1] == '{' {
			return "',' or '}' after the object member"
		}
		return "',' or ']' after the array element"
	case inString:
		return "'\"' to end the string"
	}
	return "a value"
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isHexPrefix reports whether b is made of hex digits.
func isHexPrefix(b []byte) bool {
	for _, c := range b[:min(len(b), 4)] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isTokenByte reports whether c can continue a number or a literal.
func isTokenByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '.' || c == '-' || c == '+'
}

// wordAt returns the run of token bytes that starts at buf[i], at least one byte.
func wordAt(buf []byte, i int) []byte {
	j := i + 1
	for j < len(buf) && j-i < 20 && isTokenByte(buf[j]) {
		j++
	}
	return buf[i:j]
}
