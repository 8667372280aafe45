package jsonio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	initialBufferSize = 256 << 10
	// minFreeSpace is the least free space the buffer has before each read,
	// so reads are at least this large.
	minFreeSpace  = 64 << 10
	textMaxBytes  = 80 // InputError.Text
	quoteMaxBytes = 40 // text quoted in InputError.Msg
	detectBytes   = 8  // bytes examined by automatic encoding detection
)

// States of an unwrapped top-level array.
const (
	arrayNone       uint8 = iota // not inside an unwrapped array
	arrayOpen                    // after '[': an element or ']'
	arrayAfterElem               // after an element: ',' or ']'
	arrayAfterComma              // after ',': an element
)

// Reader reads a stream of JSON values: NDJSON, pretty-printed values back
// to back, with CRLF or LF line ends, blank lines, an optional UTF-8 BOM, or
// UTF-16LE/BE text with its BOM. Lines may be of any length, and memory use
// depends on the largest value, not on the length of the stream.
//
// A value must end at a line break or be followed on its line by another
// value, so `{"a":1}}` is one invalid value, not {"a":1} and an error.
//
// After an invalid value the Reader resynchronises: it skips the rest of
// the line on which the value started and every following line until one
// whose first non-blank byte is at a column no greater than the invalid
// value's column and is '{' or '[', or whose whole trimmed text is a JSON
// string, number, true, false or null, or one that holds a whole object at
// any column. The comparison of columns skips the
// indented inner lines of a broken pretty-printed value. Inside an
// unwrapped array it resumes with the next element at a line that starts
// with a value to the right of the array's '[' column; a line that starts
// with ']' ends the array, and one that starts with '{' or '[' at or left
// of that column ends the array and is read as a top-level value. An
// unwrapped array that is never closed, followed by a line that starts with
// '{' or '[', is reported once and that line is read at the top level.
type Reader struct {
	src          io.Reader
	opts         ReaderOptions
	started      bool
	decode       decodeFunc // nil when the input is read as UTF-8
	autoUTF8     bool       // UTF-8 was chosen by automatic detection
	raw          []byte     // undecoded input when decode is set
	rawStart     int
	rawEnd       int
	srcEOF       bool  // src returned io.EOF
	readErr      error // error from src that follows data still to be read
	buf          []byte
	end          int  // buf[:end] contains input
	base         int  // stream offset of buf[0]
	eof          bool // no input follows buf[:end]
	err          error
	scanner          // its pos is the read position between values too
	valStart     int // buffer index of the current value
	valLine      int
	valLineStart int // stream offset of the start of valLine
	valCol       int // byte column of the current value in its line

	array    uint8
	arrayCol int // column of the '[' of the unwrapped array

	resyncing   bool
	atLineStart bool // resync has reached the start of a line
	resyncCol   int
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opts ReaderOptions) *Reader {
	rd := &Reader{src: r, opts: opts}
	rd.line = 1
	return rd
}

// Next returns the next value. It returns io.EOF at the end of the input, an
// *InputError for a value that is not valid JSON or not valid UTF-8 (after
// which Next may be called again), and any other error from the underlying
// reader, after which the Reader is done. An unknown ReaderOptions.Encoding
// is reported by the first call as an error that is not an *InputError.
func (r *Reader) Next() (Value, error) {
	if r.err != nil {
		return Value{}, r.err
	}
	if !r.started {
		if err := r.start(); err != nil {
			r.err = err
			return Value{}, err
		}
	}
	for {
		if r.resyncing {
			if r.resync() == scanNeedMore {
				if err := r.more(r.pos); err != nil {
					return Value{}, err
				}
			}
			continue
		}
		if !r.skipSpace() {
			if err := r.more(r.pos); err != nil {
				return Value{}, err
			}
			continue
		}
		if r.pos == r.end {
			return r.finish()
		}
		c := r.buf[r.pos]
		switch {
		case r.array == arrayAfterElem && c == ',':
			r.pos++
			r.array = arrayAfterComma
			continue
		case (r.array == arrayOpen || r.array == arrayAfterElem) && c == ']':
			r.pos++
			r.array = arrayNone
			continue
		case r.array == arrayAfterComma && c == ']':
			r.beginValue()
			r.pos++
			r.array = arrayNone
			return Value{}, r.newInputError(r.valStart, r.valLine, "an array element after ','", "']'")
		}
		r.beginValue()
		if r.array == arrayAfterElem {
			if (c == '{' || c == '[') && r.firstOnLine() {
				// An array that is never closed, followed by records on
				// lines of their own: report the array once and read on
				// from this line at the top level.
				r.array = arrayNone
				return Value{}, r.newInputError(r.pos, r.line, "',' or ']' after the array element", "")
			}
			r.fail(r.pos, "',' or ']' after the array element", "")
			return Value{}, r.failValue()
		}
		if r.array == arrayNone && r.opts.UnwrapArrays && c == '[' {
			r.pos++
			r.array = arrayOpen
			r.arrayCol = r.valCol
			continue
		}
		return r.readValue()
	}
}

// finish handles the end of the input between values.
func (r *Reader) finish() (Value, error) {
	if r.readErr != nil {
		r.err = r.readErr
		return Value{}, r.err
	}
	if r.array != arrayNone {
		expected := "',' or ']' after the array element"
		if r.array != arrayAfterElem {
			expected = "an array element or ']'"
		}
		r.array = arrayNone
		r.beginValue()
		return Value{}, r.newInputError(r.pos, r.line, expected, "the end of the input")
	}
	r.err = io.EOF
	return Value{}, io.EOF
}

// readValue scans the value that starts at r.pos.
//
// NOTE: a broken value whose brackets stay open while the following lines
// remain valid JSON, such as `{"a":[` followed by lines of `1,`, is buffered
// up to the end of the input before its error is found.
func (r *Reader) readValue() (Value, error) {
	r.reset(r.pos)
	for {
		st := r.scan(r.buf[:r.end], r.base, r.eof)
		if st == scanDone {
			break
		}
		if st == scanFailed {
			return Value{}, r.failValue()
		}
		if err := r.more(r.valStart); err != nil {
			return Value{}, err
		}
	}
	if r.array != arrayNone {
		r.array = arrayAfterElem
		return Value{Raw: r.buf[r.valStart:r.pos], Line: r.valLine}, nil
	}

	// A top-level value must be followed by a line break or another value.
	length := r.pos - r.valStart
	for {
		end := r.valStart + length
		st := r.checkTrailer(end)
		if st == scanDone {
			return Value{Raw: r.buf[r.valStart:end], Line: r.valLine}, nil
		}
		if st == scanFailed {
			return Value{}, r.failValue()
		}
		if err := r.more(r.valStart); err != nil {
			return Value{}, err
		}
	}
}

// checkTrailer checks the bytes after a top-level value that ends at end.
func (r *Reader) checkTrailer(end int) scanStatus {
	buf := r.buf[:r.end]
	if end < len(buf) && isTokenByte(buf[end]) && isTokenByte(r.lastKind) {
		return r.fail(end, "a line break or another value after the value", "")
	}
	i := end
	for i < len(buf) && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r') {
		i++
	}
	if i == len(buf) {
		if r.eof {
			return scanDone
		}
		return scanNeedMore
	}
	if buf[i] == '\n' || startsValue(buf[i]) {
		return scanDone
	}
	return r.fail(i, "a line break or another value after the value", "")
}

func startsValue(c byte) bool {
	switch c {
	case '{', '[', '"', '-', 't', 'f', 'n':
		return true
	}
	return isDigit(c)
}

// skipSpace skips whitespace at r.pos. It returns false when it reaches the
// end of the buffer before the end of the input.
func (r *Reader) skipSpace() bool {
	buf := r.buf[:r.end]
	i := r.pos
	for i < len(buf) {
		c := buf[i]
		if c == '\n' {
			r.line++
			r.lineStart = r.base + i + 1
		} else if c != ' ' && c != '\t' && c != '\r' {
			break
		}
		i++
	}
	r.pos = i
	return i < len(buf) || r.eof
}

// beginValue records that a value, or unexpected text, starts at r.pos.
func (r *Reader) beginValue() {
	r.valStart = r.pos
	r.valLine = r.line
	r.valLineStart = r.lineStart
	r.valCol = r.base + r.pos - r.lineStart
}

// failValue returns the scanner's failure as an *InputError and starts to
// resynchronise.
func (r *Reader) failValue() error {
	err := r.newInputError(r.errPos, r.errLine, r.errExpected, r.errFound)
	r.pos = r.valStart
	r.line = r.valLine
	r.lineStart = r.valLineStart
	r.resyncing = true
	r.atLineStart = false
	r.resyncCol = r.valCol
	return err
}

// newInputError describes the failure at buffer index errPos, on line
// errLine, of the value that starts at r.valStart.
func (r *Reader) newInputError(errPos, errLine int, expected, found string) *InputError {
	buf := r.buf[:r.end]
	textStart := r.valStart
	if r.valLineStart >= r.base {
		textStart = r.valLineStart - r.base
	}
	e := &InputError{Line: r.valLine, Text: lineText(buf[textStart:], textMaxBytes)}
	valueText := quoteBytes(firstLine(buf[r.valStart:], quoteMaxBytes))
	if r.errUTF8 && errPos < len(buf) && found == "" {
		e.Msg = fmt.Sprintf("text is not valid UTF-8: invalid byte 0x%02X in %s", buf[errPos], valueText)
		if r.autoUTF8 {
			e.Msg = fmt.Sprintf("text is not UTF-8 (invalid byte 0x%02X in %s); use --input-encoding windows-1252 if it was written in the ANSI code page", buf[errPos], valueText)
		}
		return e
	}
	if found == "" {
		found = describeByte(buf, errPos)
	}
	where := ""
	if errLine != r.valLine {
		where = " on line " + strconv.Itoa(errLine)
	}
	e.Msg = fmt.Sprintf("invalid JSON %s: expected %s but found %s%s", valueText, expected, found, where)
	return e
}

// resync skips input after an invalid value, as the Reader's documentation
// describes, and clears r.resyncing once it finds where to resume.
func (r *Reader) resync() scanStatus {
	buf := r.buf[:r.end]
	for {
		if !r.atLineStart {
			j := bytes.IndexByte(buf[r.pos:], '\n')
			if j < 0 {
				r.pos = len(buf)
				if r.eof {
					r.resyncing = false
					return scanDone
				}
				return scanNeedMore
			}
			r.pos += j + 1
			r.line++
			r.lineStart = r.base + r.pos
			r.atLineStart = true
		}
		i := r.pos
		for i < len(buf) && (buf[i] == ' ' || buf[i] == '\t') {
			i++
		}
		if i == len(buf) {
			if r.eof {
				r.resyncing = false
				return scanDone
			}
			return scanNeedMore
		}
		st, resume := r.resumeAt(buf, i, i-r.pos)
		if st == scanNeedMore {
			return st
		}
		if resume {
			r.resyncing = false
			return scanDone
		}
		r.atLineStart = false
	}
}

// resumeAt reports whether reading resumes at the line whose first
// non-blank byte is buf[i], at column col, and sets r.array for it.
func (r *Reader) resumeAt(buf []byte, i, col int) (scanStatus, bool) {
	c := buf[i]
	if c == '{' && col > r.resyncCol {
		// An indented line that holds one whole object is a record, not an
		// inner line of the broken value.
		st, whole := r.wholeLineObject(buf, i)
		if !whole {
			return st, false
		}
	} else if !startsValue(c) && c != ']' || col > r.resyncCol {
		return scanDone, false
	}
	if r.array != arrayNone {
		if c == ']' || col > r.arrayCol {
			r.array = arrayOpen
			return scanDone, true
		}
	}
	if c == ']' {
		return scanDone, false
	}

	if c == '{' || c == '[' {
		r.array = arrayNone
		return scanDone, true
	}
	// A line that starts with a scalar resumes only if it is one whole
	// scalar, so lines of plain text and members of broken objects are skipped.
	j := bytes.IndexByte(buf[i:], '\n')
	if j < 0 && !r.eof {
		return scanNeedMore, false
	}
	line := buf[i:]
	if j >= 0 {
		line = buf[i : i+j]
	}
	if json.Valid(line) {
		r.array = arrayNone
		return scanDone, true
	}
	return scanDone, false
}

// start chooses the decoder from ReaderOptions.Encoding and the first bytes of the input.
func (r *Reader) start() error {
	r.started = true
	enc := strings.ToLower(r.opts.Encoding)
	if enc != "" && !isEncoding(enc) {
		return fmt.Errorf("unknown input encoding %q: expected one of %s", r.opts.Encoding, strings.Join(Encodings, ", "))
	}
	r.buf = make([]byte, initialBufferSize)
	// Detection looks at the first 8 bytes, so it waits for all of them to
	// give the same result however the input arrives.
	for r.end < detectBytes && !r.srcEOF {
		n, err := r.read(r.buf[r.end:])
		r.end += n
		if err != nil {
			return err
		}
	}

	head := r.buf[:r.end]
	bomLen := 0
	// A byte order mark records how the text was written, so it wins over the
	// encoding option, which is meant for text without one.
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		enc = "utf-8"
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		enc = "utf-16le"
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		enc = "utf-16be"
	}
	switch {
	case enc == "" || enc == "utf-8":
		if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
			bomLen = 3
		}
	case enc == "utf-16le":
		if bytes.HasPrefix(head, []byte("\xFF\xFE")) {
			bomLen = 2
		}
	case enc == "utf-16be":
		if bytes.HasPrefix(head, []byte("\xFE\xFF")) {
			bomLen = 2
		}
	}
	if enc == "" && bomLen == 0 {
		enc = detectEncoding(head)
		if bytes.HasPrefix(head, []byte("\xFF\xFE")) || bytes.HasPrefix(head, []byte("\xFE\xFF")) {
			bomLen = 2
		}
		r.autoUTF8 = enc == "utf-8"
	} else if enc == "" {
		enc = "utf-8"
		r.autoUTF8 = true
	}

	r.decode = decoders[enc]
	if r.decode == nil {
		copy(r.buf, r.buf[bomLen:r.end])
		r.end -= bomLen
		r.eof = r.srcEOF
		r.lineStart = 0
		return nil
	}
	r.raw = make([]byte, max(rawChunkSize, r.end-bomLen))
	r.rawEnd = copy(r.raw, r.buf[bomLen:r.end])
	r.end = 0
	return r.readDecoded()
}

// detectEncoding guesses the encoding of input that has no UTF-8 BOM.
func detectEncoding(head []byte) string {
	if bytes.HasPrefix(head, []byte("\xFF\xFE")) {
		return "utf-16le"
	}
	if bytes.HasPrefix(head, []byte("\xFE\xFF")) {
		return "utf-16be"
	}
	// JSON text starts with ASCII, which UTF-16 encodes with a NUL high
	// byte, and UTF-8 JSON never contains NUL.
	n := min(len(head), detectBytes) &^ 1
	if n == 0 {
		return "utf-8"
	}
	le, be := head[0] != 0, head[1] != 0
	for k := 0; k < n; k += 2 {
		le = le && head[k+1] == 0
		be = be && head[k] == 0
	}
	switch {
	case le:
		return "utf-16le"
	case be:
		return "utf-16be"
	}
	return "utf-8"
}

var errNoProgress = errors.New("read input: the reader made no progress (internal error)")

// more reads more input into the buffer, keeping buf[keep:end] and moving
// it to the front when the free space is short. It returns a read error,
// which also becomes sticky.
func (r *Reader) more(keep int) error {
	if r.eof {
		r.err = errNoProgress
		return r.err
	}
	if keep > 0 && (keep == r.end || len(r.buf)-r.end < minFreeSpace) {
		copy(r.buf, r.buf[keep:r.end])
		r.end -= keep
		r.pos -= keep
		r.valStart -= keep
		r.base += keep
	}
	if len(r.buf)-r.end < minFreeSpace {
		grown := make([]byte, 2*len(r.buf))
		copy(grown, r.buf[:r.end])
		r.buf = grown
	}
	var err error
	if r.decode != nil {
		err = r.readDecoded()
	} else {
		var n int
		n, err = r.read(r.buf[r.end:])
		r.end += n
		r.eof = r.srcEOF
	}
	if err != nil {
		r.err = err
	}
	return err
}

// read reads from the source into p and sets r.srcEOF at its end. A read
// error that comes with data is kept in r.readErr and returned after the data.
func (r *Reader) read(p []byte) (int, error) {
	for range 100 {
		n, err := r.src.Read(p)
		if err == io.EOF {
			r.srcEOF = true
			return n, nil
		}
		if err != nil {
			if n == 0 {
				return 0, err
			}
			r.readErr = err
			r.srcEOF = true
			return n, nil
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, io.ErrNoProgress
}

// readDecoded decodes input into r.buf[r.end:] until it adds at least one byte or the input ends.
func (r *Reader) readDecoded() error {
	for {
		if r.rawStart < r.rawEnd || r.srcEOF {
			nDst, nSrc := r.decode(r.buf[r.end:], r.raw[r.rawStart:r.rawEnd], r.srcEOF)
			r.end += nDst
			r.rawStart += nSrc
			if r.srcEOF && r.rawStart == r.rawEnd {
				r.eof = true
			}
			if nDst > 0 || r.eof {
				return nil
			}
		}
		r.rawEnd = copy(r.raw, r.raw[r.rawStart:r.rawEnd])
		r.rawStart = 0
		n, err := r.read(r.raw[r.rawEnd:])
		r.rawEnd += n
		if err != nil {
			return err
		}
	}
}

// describeByte describes buf[i] for an error message.
func describeByte(buf []byte, i int) string {
	if i >= len(buf) {
		return "the end of the input"
	}
	c := buf[i]
	switch {
	case c == '\n' || c == '\r':
		return "the end of the line"
	case c < 0x20 || c == 0x7F:
		return fmt.Sprintf("control character U+%04X", c)
	case c < 0x80:
		return "'" + string(c) + "'"
	}
	ru, size := utf8.DecodeRune(buf[i:])
	if ru == utf8.RuneError && size == 1 {
		return fmt.Sprintf("byte 0x%02X", c)
	}
	return strconv.QuoteRune(ru)
}

// firstLine returns the start of b up to its first line break, at most maxBytes long.
func firstLine(b []byte, maxBytes int) []byte {
	if j := bytes.IndexByte(b, '\n'); j >= 0 {
		b = b[:j]
	}
	b = bytes.TrimRight(b, "\r")
	if len(b) > maxBytes {
		cut := maxBytes
		for cut > maxBytes-utf8.UTFMax && cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		return append(b[:cut:cut], "..."...)
	}
	return b
}

// quoteBytes quotes b as a Go string literal, which shows invalid UTF-8 as \x escapes.
func quoteBytes(b []byte) string { return strconv.Quote(string(b)) }

// lineText returns the start of b up to its first line break as valid
// UTF-8 of at most maxBytes bytes.
func lineText(b []byte, maxBytes int) string {
	if j := bytes.IndexByte(b, '\n'); j >= 0 {
		b = b[:j]
	}
	b = bytes.TrimRight(b, "\r")
	var sb strings.Builder
	for len(b) > 0 {
		ru, size := utf8.DecodeRune(b)
		width := size
		if ru == utf8.RuneError && size == 1 {
			width = len(string(utf8.RuneError))
		}
		if sb.Len()+width > maxBytes {
			break
		}
		sb.WriteRune(ru)
		b = b[size:]
	}
	return sb.String()
}

// firstOnLine reports whether only blanks precede r.pos on its line.
func (r *Reader) firstOnLine() bool {
	start := r.lineStart - r.base
	if start < 0 {
		return false
	}
	for _, b := range r.buf[start:r.pos] {
		if b != ' ' && b != '\t' {
			return false
		}
	}
	return true
}

// wholeLineObject reports whether the line from buf[i] is one complete JSON
// object, ignoring a trailing comma as in an array's element lines.
func (r *Reader) wholeLineObject(buf []byte, i int) (scanStatus, bool) {
	j := bytes.IndexByte(buf[i:], '\n')
	if j < 0 && !r.eof {
		return scanNeedMore, false
	}
	line := buf[i:]
	if j >= 0 {
		line = buf[i : i+j]
	}
	line = bytes.TrimRight(line, " \t\r")
	line = bytes.TrimSuffix(line, []byte(","))
	return scanDone, json.Valid(line)
}
