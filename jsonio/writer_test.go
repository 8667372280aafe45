package jsonio

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestWriteRaw(t *testing.T) {
	cases := []struct {
		name  string
		raw   string
		ascii bool
		want  string
	}{
		{"compact", `{"a":1}`, false, `{"a":1}`},
		{"pretty", "{\r\n    \"a\":  [\r\n        1,\r\n        2\r\n    ],\r\n    \"b\":  {}\r\n}", false, `{"a":[1,2],"b":{}}`},
		{"spaces in strings", `{ "a b" : " c d " }`, false, `{"a b":" c d "}`},
		{"escaped quotes", `[ "x\" y", "\\", " z" ]`, false, `["x\" y","\\"," z"]`},
		{"escapes kept", `"\/Date(1500328388918)\/ \u00e9"`, false, `"\/Date(1500328388918)\/ \u00e9"`},
		{"big number", ` 123456789012345678901234567890 `, false, `123456789012345678901234567890`},
		{"decimal", `[1.10, -0.0e+10]`, false, `[1.10,-0.0e+10]`},
		{"html", `"<a href=\"x\">&amp;</a>"`, false, `"<a href=\"x\">&amp;</a>"`},
		{"unicode kept", "\"é😀\u2028\"", false, "\"é😀\u2028\""},
		{"ascii accent", `{"é":"café"}`, true, `{"\u00e9":"caf\u00e9"}`},
		{"ascii emoji", `"a😀b"`, true, `"a\ud83d\ude00b"`},
		{"ascii line separator", "\"\u2028\"", true, `"\u2028"`},
		{"ascii escape kept", `"\u00e9\"é"`, true, `"\u00e9\"\u00e9"`},
		{"ascii pretty", "{\n  \"k\": \"ü\"\n}", true, `{"k":"\u00fc"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			w := NewWriter(&out, WriterOptions{ASCII: tc.ascii})
			if err := w.WriteRaw([]byte(tc.raw)); err != nil {
				t.Fatalf("WriteRaw: %v", err)
			}
			if err := w.Flush(); err != nil {
				t.Fatalf("Flush: %v", err)
			}
			if got := out.String(); got != tc.want+"\n" {
				t.Errorf("got %q, want %q", got, tc.want+"\n")
			}
		})
	}
}

func TestWriteCompactMatchesWriteRaw(t *testing.T) {
	values := []string{
		`{"a":1}`, `{"a b":" c d "}`, `["x\" y","\\"," z"]`, `123456789012345678901234567890`,
		`"<a href=\"x\">&amp;</a>"`, "\"é😀\u2028\"", `{"é":"café"}`, `"a😀b"`, `"\u00e9\"é"`,
	}
	for _, ascii := range []bool{false, true} {
		for _, value := range values {
			var raw, compact bytes.Buffer
			rawWriter := NewWriter(&raw, WriterOptions{ASCII: ascii})
			compactWriter := NewWriter(&compact, WriterOptions{ASCII: ascii})
			if err := rawWriter.WriteRaw([]byte(value)); err != nil {
				t.Fatalf("WriteRaw(%s): %v", value, err)
			}
			if err := compactWriter.WriteCompact([]byte(value)); err != nil {
				t.Fatalf("WriteCompact(%s): %v", value, err)
			}
			rawWriter.Flush()
			compactWriter.Flush()
			if compact.String() != raw.String() {
				t.Errorf("ascii=%v: WriteCompact(%s) wrote %q, WriteRaw wrote %q", ascii, value, compact.String(), raw.String())
			}
		}
	}
}

func TestWriteCompactEmpty(t *testing.T) {
	w := NewWriter(&bytes.Buffer{}, WriterOptions{})
	if err := w.WriteCompact(nil); err == nil {
		t.Error("WriteCompact of nothing returned no error")
	}
}

func TestWriteRawEmpty(t *testing.T) {
	w := NewWriter(&bytes.Buffer{}, WriterOptions{})
	if err := w.WriteRaw([]byte(" \n")); err == nil {
		t.Error("WriteRaw of whitespace returned no error")
	}
}

func TestWriteValue(t *testing.T) {
	type record struct {
		Path string      `json:"path"`
		Size json.Number `json:"size"`
		Note string      `json:"note,omitempty"`
	}
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	cases := []struct {
		name  string
		value any
		ascii bool
		want  string
	}{
		{"struct", record{Path: `C:\Temp\a<b>&.tmp`, Size: "1.10"}, false, `{"path":"C:\\Temp\\a<b>&.tmp","size":1.10}`},
		{"big int", huge, false, `123456789012345678901234567890`},
		{"raw message", json.RawMessage("{ \"a\" : 1 }"), false, `{"a":1}`},
		{"map sorted", map[string]int{"b": 2, "a": 1}, false, `{"a":1,"b":2}`},
		{"ascii", map[string]string{"k": "é😀"}, true, `{"k":"\u00e9\ud83d\ude00"}`},
		{"unicode", "é", false, `"é"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			w := NewWriter(&out, WriterOptions{ASCII: tc.ascii})
			if err := w.WriteValue(tc.value); err != nil {
				t.Fatalf("WriteValue: %v", err)
			}
			if err := w.Flush(); err != nil {
				t.Fatalf("Flush: %v", err)
			}
			if got := out.String(); got != tc.want+"\n" {
				t.Errorf("got %q, want %q", got, tc.want+"\n")
			}
		})
	}
}

func TestWriteValueError(t *testing.T) {
	w := NewWriter(&bytes.Buffer{}, WriterOptions{})
	if err := w.WriteValue(func() {}); err == nil {
		t.Error("WriteValue of a func returned no error")
	}
	if err := w.WriteValue(1); err != nil {
		t.Errorf("WriteValue after an encoding error: %v", err)
	}
}

func TestWriterBuffers(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out, WriterOptions{})
	_ = w.WriteRaw([]byte("1"))
	if out.Len() != 0 {
		t.Errorf("wrote %d bytes before Flush", out.Len())
	}
	big := []byte(`"` + strings.Repeat("x", writeBufferSize) + `"`)
	_ = w.WriteRaw(big)
	if out.Len() == 0 {
		t.Error("wrote nothing after more than the buffer size")
	}
}

// failingWriter fails every write with err.
type failingWriter struct{ err error }

func (f failingWriter) Write(p []byte) (int, error) { return 0, f.err }

func TestWriterStickyError(t *testing.T) {
	epipe := &fs.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
	w := NewWriter(failingWriter{epipe}, WriterOptions{})
	_ = w.WriteRaw([]byte("1"))
	if err := w.Flush(); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Flush: %v, want EPIPE", err)
	}
	if err := w.WriteRaw([]byte("2")); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("WriteRaw after a failure: %v, want EPIPE", err)
	}
}

func TestIsClosedPipe(t *testing.T) {
	if !IsClosedPipe(&fs.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}) {
		t.Error("EPIPE in a PathError is not a closed pipe")
	}
	if IsClosedPipe(os.ErrClosed) {
		t.Error("os.ErrClosed is a closed pipe")
	}
	if IsClosedPipe(nil) {
		t.Error("nil is a closed pipe")
	}
}
