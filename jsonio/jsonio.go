// Package jsonio reads and writes the JSON streams that tempsweep's commands exchange.
package jsonio

import (
	"encoding/json"
	"errors"
	"io"
)

// ReaderOptions configures a Reader.
type ReaderOptions struct {
	// UnwrapArrays makes the elements of a top-level array separate values,
	// streamed one at a time, instead of returning the array as one value.
	UnwrapArrays bool
}

// Value is one JSON value read from a stream.
type Value struct {
	// Raw is the value's text, valid JSON in valid UTF-8, possibly with the
	// whitespace and line breaks it had in the input. It is valid until the
	// next call to Next.
	Raw []byte
	// Line is the 1-based line of the input on which the value starts.
	Line int
}

// InputError is a value that could not be read. The Reader has already
// skipped past it, so the caller may report it and call Next again.
type InputError struct {
	Line int
	Msg  string
}

func (e *InputError) Error() string { return "line " + itoa(e.Line) + ": " + e.Msg }

// Reader reads a stream of JSON values: NDJSON, pretty-printed values back
// to back, with CRLF or LF line ends, blank lines, an optional UTF-8 BOM, or
// UTF-16LE/BE text with its BOM. Lines may be of any length.
type Reader struct{}

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opts ReaderOptions) *Reader { panic("not implemented") }

// Next returns the next value. It returns io.EOF at the end of the input, an
// *InputError for a value that is not valid JSON or not valid UTF-8 (after
// which Next may be called again), and any other error from the underlying
// reader, after which the Reader is done.
func (r *Reader) Next() (Value, error) { panic("not implemented") }

// WriterOptions configures a Writer.
type WriterOptions struct {
	// ASCII escapes every non-ASCII character as \uXXXX (surrogate pairs
	// above U+FFFF).
	ASCII bool
}

// Writer writes JSON values one per line: compact, '\n' after each, UTF-8
// without BOM, no HTML escaping. Output is buffered until Flush.
type Writer struct{}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer, opts WriterOptions) *Writer { panic("not implemented") }

// WriteRaw writes raw, which must be one valid JSON value, compacted.
func (w *Writer) WriteRaw(raw []byte) error { panic("not implemented") }

// WriteValue encodes v (as encoding/json would, without HTML escaping).
func (w *Writer) WriteValue(v any) error { panic("not implemented") }

// Flush writes buffered output to the underlying writer.
func (w *Writer) Flush() error { panic("not implemented") }

// IsClosedPipe reports whether err means the reader of the output has gone
// away (EPIPE on Unix, ERROR_BROKEN_PIPE or ERROR_NO_DATA on Windows).
func IsClosedPipe(err error) bool { panic("not implemented") }

// Member is one key and raw value of a JSON object.
type Member struct {
	Key   string
	Value json.RawMessage
}

// Object is a JSON object's top-level members in their input order.
type Object []Member

// ParseObject splits raw, a JSON object, into its members. Values stay raw.
func ParseObject(raw []byte) (Object, error) { panic("not implemented") }

// Get returns the value of key, compared exactly.
func (o Object) Get(key string) (json.RawMessage, bool) { panic("not implemented") }

// Set replaces the value of key in place, or appends the member.
func (o *Object) Set(key string, v json.RawMessage) { panic("not implemented") }

// Delete removes every member named key.
func (o *Object) Delete(key string) { panic("not implemented") }

// AppendJSON appends the compact object to dst.
func (o Object) AppendJSON(dst []byte) []byte { panic("not implemented") }

var _ = errors.New

func itoa(n int) string { return string(json.Number(jsonNumber(n))) }
func jsonNumber(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
