// Package jsonio reads and writes the JSON streams that tempsweep's commands exchange.
package jsonio

import "strconv"

// ReaderOptions configures a Reader.
type ReaderOptions struct {
	// UnwrapArrays makes the elements of a top-level array separate values,
	// streamed one at a time, instead of returning the array as one value.
	UnwrapArrays bool

	// Encoding is the character encoding of the input, one of Encodings
	// (compared case-insensitively). The empty string means automatic
	// detection: a UTF-8, UTF-16LE or UTF-16BE byte order mark selects that
	// encoding, text that starts with NUL bytes in alternate positions is
	// read as UTF-16 without a BOM, and anything else is read as UTF-8.
	Encoding string
}

// Encodings lists the accepted values of ReaderOptions.Encoding besides the
// empty string. "windows-1252" is the Western ANSI code page of Windows and
// "latin1" is ISO 8859-1.
var Encodings = []string{"utf-8", "utf-16le", "utf-16be", "windows-1252", "latin1"}

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
	// Line is the 1-based line on which the unreadable value starts.
	Line int
	// Msg describes the problem in a sentence for people.
	Msg string
	// Text is the start of the line on which the value starts: at most 80
	// bytes, without the line break, in valid UTF-8. Callers can use it to
	// recognise text that is not JSON at all, such as a formatted table.
	Text string
}

func (e *InputError) Error() string { return "line " + strconv.Itoa(e.Line) + ": " + e.Msg }
