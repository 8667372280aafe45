package jsonio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// writeBufferSize is the amount of output the Writer collects before it
// writes to the underlying writer.
const writeBufferSize = 64 << 10

// WriterOptions configures a Writer.
type WriterOptions struct {
	// ASCII escapes every non-ASCII character as \uXXXX (surrogate pairs
	// above U+FFFF).
	ASCII bool
}

// Writer writes JSON values one per line: compact, '\n' after each, UTF-8
// without BOM, no HTML escaping. Output is buffered until Flush or until
// 64 KiB have collected. After a write to the underlying writer fails,
// every method returns that error.
type Writer struct {
	dst     io.Writer
	ascii   bool
	buf     []byte
	err     error
	encoded bytes.Buffer
	encoder *json.Encoder
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer, opts WriterOptions) *Writer {
	return &Writer{dst: w, ascii: opts.ASCII, buf: make([]byte, 0, writeBufferSize+4<<10)}
}

var errEmptyValue = errors.New("write JSON: empty value")

// WriteRaw writes raw, which must be one valid JSON value, compacted.
// Strings and numbers are copied as they are, except that with
// WriterOptions.ASCII the non-ASCII characters in strings are escaped.
// WriteRaw does not validate raw, so invalid JSON is written as it is.
func (w *Writer) WriteRaw(raw []byte) error {
	if w.err != nil {
		return w.err
	}
	n := len(w.buf)
	w.buf = appendCompact(w.buf, raw, w.ascii)
	if len(w.buf) == n {
		return errEmptyValue
	}
	w.buf = append(w.buf, '\n')
	if len(w.buf) >= writeBufferSize {
		return w.Flush()
	}
	return nil
}

// WriteCompact writes raw, which must be one valid JSON value without
// whitespace outside its strings, as WriteRaw would write it. It copies raw
// without looking for whitespace to drop, unless WriterOptions.ASCII is set,
// when it escapes as WriteRaw does. Like WriteRaw, it does not validate raw.
func (w *Writer) WriteCompact(raw []byte) error {
	if w.ascii {
		return w.WriteRaw(raw)
	}
	if w.err != nil {
		return w.err
	}
	if len(raw) == 0 {
		return errEmptyValue
	}
	w.buf = append(w.buf, raw...)
	w.buf = append(w.buf, '\n')
	if len(w.buf) >= writeBufferSize {
		return w.Flush()
	}
	return nil
}

// WriteValue encodes v as encoding/json does with HTML escaping turned
// off, so json.Number and json.RawMessage keep their digits.
func (w *Writer) WriteValue(v any) error {
	if w.err != nil {
		return w.err
	}
	if w.encoder == nil {
		w.encoder = json.NewEncoder(&w.encoded)
		w.encoder.SetEscapeHTML(false)
	}
	w.encoded.Reset()
	if err := w.encoder.Encode(v); err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	return w.WriteRaw(w.encoded.Bytes())
}

// Flush writes buffered output to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	n, err := w.dst.Write(w.buf)
	if err == nil && n < len(w.buf) {
		err = io.ErrShortWrite
	}
	w.buf = w.buf[:0]
	if err != nil {
		w.err = err
	}
	return err
}

// compactStop marks the bytes that end a run of copied bytes outside strings.
var compactStop = [256]bool{'"': true, ' ': true, '\t': true, '\n': true, '\r': true}

// asciiStop marks the bytes that end a run of copied bytes inside a string
// when non-ASCII characters are escaped.
var asciiStop = func() (t [256]bool) {
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// appendCompact appends src, a valid JSON value, to dst without the
// whitespace outside strings, and with escapes for non-ASCII characters if
// ascii is set. It copies runs of bytes that need no change at once.
func appendCompact(dst, src []byte, ascii bool) []byte {
	runStart := 0
	i := 0
	n := len(src)
	for i < n {
		c := src[i]
		if !compactStop[c] {
			i++
			continue
		}
		if c != '"' {
			dst = append(dst, src[runStart:i]...)
			for i < n && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
				i++
			}
			runStart = i
			continue
		}
		i++
		if !ascii {
			i = stringEnd(src, i)
			continue
		}
		for i < n {
			for i < n && !asciiStop[src[i]] {
				i++
			}
			if i == n {
				break
			}
			if src[i] == '"' {
				i++
				break
			}
			if src[i] == '\\' {
				i += 2
				continue
			}
			dst = append(dst, src[runStart:i]...)
			r, size := utf8.DecodeRune(src[i:])
			dst = appendEscapedRune(dst, r)
			i += size
			runStart = i
		}
	}
	return append(dst, src[runStart:]...)
}

// stringEnd returns the index after the closing quote of the string whose
// contents start at src[i], or len(src) if it is not closed.
func stringEnd(src []byte, i int) int {
	for {
		q := bytes.IndexByte(src[i:], '"')
		if q < 0 {
			return len(src)
		}
		q += i
		// The quote is escaped if an odd number of backslashes precede it.
		k := q
		for k > i && src[k-1] == '\\' {
			k--
		}
		if (q-k)%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
}

const hexDigits = "0123456789abcdef"

// appendEscapedRune appends r as \uXXXX, or as a surrogate pair of such
// escapes above U+FFFF.
func appendEscapedRune(dst []byte, r rune) []byte {
	if r > 0xFFFF {
		r1, r2 := utf16.EncodeRune(r)
		return appendEscapedRune(appendEscapedRune(dst, r1), r2)
	}
	return append(dst, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}
