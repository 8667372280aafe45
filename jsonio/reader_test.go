package jsonio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
	"unicode/utf8"
)

// readAll reads every value of in and returns them as "LINE RAW" for values
// and "LINE error" for input errors. A different error ends the list as
// "fatal: MESSAGE".
func readAll(t *testing.T, in io.Reader, opts ReaderOptions) []string {
	t.Helper()
	r := NewReader(in, opts)
	var got []string
	for range 10000 {
		v, err := r.Next()
		if err == io.EOF {
			return got
		}
		var inputErr *InputError
		switch {
		case errors.As(err, &inputErr):
			got = append(got, fmt.Sprintf("%d error", inputErr.Line))
		case err != nil:
			return append(got, "fatal: "+err.Error())
		default:
			got = append(got, fmt.Sprintf("%d %s", v.Line, v.Raw))
		}
	}
	t.Fatal("Next did not reach the end of the input")
	return nil
}

// encodeUTF16 encodes s as UTF-16 with a BOM if bom is set.
func encodeUTF16(s string, bigEndian, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// powerShellArray is the shape of what ConvertTo-Json in Windows
// PowerShell 5.1 writes for two objects: four-space indentation, two spaces
// after colons, dates as \/Date(ms)\/ strings and CRLF line ends.
const powerShellArray = "[\r\n" +
	"    {\r\n" +
	"        \"Name\":  \"a.tmp\",\r\n" +
	"        \"Length\":  12,\r\n" +
	"        \"LastWriteTime\":  \"\\/Date(1500328388918)\\/\",\r\n" +
	"        \"Parent\":  {\r\n" +
	"                       \"Name\":  \"Temp\"\r\n" +
	"                   }\r\n" +
	"    },\r\n" +
	"    {\r\n" +
	"        \"Name\":  \"b.tmp\",\r\n" +
	"        \"Length\":  0,\r\n" +
	"        \"LastWriteTime\":  \"\\/Date(1501259704793)\\/\",\r\n" +
	"        \"Parent\":  null\r\n" +
	"    }\r\n" +
	"]\r\n"

var (
	psFirst  = `2 {` + "\r\n" + `        "Name":  "a.tmp",` + "\r\n" + `        "Length":  12,` + "\r\n" + `        "LastWriteTime":  "\/Date(1500328388918)\/",` + "\r\n" + `        "Parent":  {` + "\r\n" + `                       "Name":  "Temp"` + "\r\n" + `                   }` + "\r\n" + `    }`
	psSecond = `10 {` + "\r\n" + `        "Name":  "b.tmp",` + "\r\n" + `        "Length":  0,` + "\r\n" + `        "LastWriteTime":  "\/Date(1501259704793)\/",` + "\r\n" + `        "Parent":  null` + "\r\n" + `    }`
)

type readerCase struct {
	name   string
	in     string
	unwrap bool
	enc    string
	want   []string
}

var readerCases = []readerCase{
	{name: "ndjson", in: "{\"a\":1}\n{\"b\":2}\n", want: []string{`1 {"a":1}`, `2 {"b":2}`}},
	{name: "no final newline", in: "{\"a\":1}\n{\"b\":2}", want: []string{`1 {"a":1}`, `2 {"b":2}`}},
	{name: "crlf", in: "{\"a\":1}\r\n{\"b\":2}\r\n", want: []string{`1 {"a":1}`, `2 {"b":2}`}},
	{name: "blank lines", in: "\n\n{\"a\":1}\n\r\n  \n{\"b\":2}\n\n", want: []string{`3 {"a":1}`, `6 {"b":2}`}},
	{name: "utf-8 bom", in: "\xEF\xBB\xBF{\"a\":1}\n", want: []string{`1 {"a":1}`}},
	{name: "empty input", in: "", want: nil},
	{name: "only whitespace", in: " \r\n\t\n", want: nil},
	{name: "scalars", in: "1 -2.5e+3 \"s\"\ntrue false null\n", want: []string{"1 1", "1 -2.5e+3", `1 "s"`, "2 true", "2 false", "2 null"}},
	{name: "values on one line", in: `{"a":1}{"b":2} [3]`, want: []string{`1 {"a":1}`, `1 {"b":2}`, `1 [3]`}},
	{name: "big number", in: "123456789012345678901234567890\n", want: []string{"1 123456789012345678901234567890"}},
	{name: "decimal kept", in: `{"n":1.10,"e":1E400}`, want: []string{`1 {"n":1.10,"e":1E400}`}},
	{name: "pretty objects", in: "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n{\n  \"b\": {}\n}\n", want: []string{"1 {\n  \"a\": [\n    1,\n    2\n  ]\n}", "7 {\n  \"b\": {}\n}"}},
	{name: "array kept", in: "[1,\n2]\n", want: []string{"1 [1,\n2]"}},
	{name: "array unwrapped", in: "[1,\n2]\n", unwrap: true, want: []string{"1 1", "2 2"}},
	{name: "empty array", in: "[]\n[ \n ]\n{\"a\":1}\n", unwrap: true, want: []string{`4 {"a":1}`}},
	{name: "nested array kept", in: `[[1,2],{"a":[3]}]`, unwrap: true, want: []string{"1 [1,2]", `1 {"a":[3]}`}},
	{name: "arrays back to back", in: "[1]\n[2,3]\n4\n", unwrap: true, want: []string{"1 1", "2 2", "2 3", "3 4"}},
	{name: "powershell array", in: powerShellArray, unwrap: true, want: []string{psFirst, psSecond}},
	{name: "powershell array kept", in: "[\r\n    1,\r\n    2\r\n]\r\n", want: []string{"1 [\r\n    1,\r\n    2\r\n]"}},
	{name: "long escapes", in: `{"k":"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00"}`, want: []string{`1 {"k":"a\"b\\c\/d\b\f\n\r\t\u00e9\uD83D\uDE00"}`}},
	{name: "unicode", in: "{\"k\":\"é😀\u2028\"}\n", want: []string{"1 {\"k\":\"é😀\u2028\"}"}},

	// Invalid input.
	{name: "missing brace", in: "{\"a\":1\n{\"b\":2}\n", want: []string{"1 error", `2 {"b":2}`}},
	{name: "extra brace", in: "{\"a\":1}}\n{\"c\":3}\n", want: []string{"1 error", `2 {"c":3}`}},
	{name: "plain text line", in: "{\"a\":1}\nhello world\n{\"b\":2}\n", want: []string{`1 {"a":1}`, "2 error", `3 {"b":2}`}},
	{name: "text table", in: "\r\nName     Length\r\n----     ------\r\na.tmp        12\r\n\r\n{\"a\":1}\r\n", want: []string{"2 error", `6 {"a":1}`}},
	{name: "scalar after text", in: "oops\n-\n42\n", want: []string{"1 error", "3 42"}},
	{name: "truncated string", in: "{\"a\":\"xy\n{\"b\":2}\n", want: []string{"1 error", `2 {"b":2}`}},
	{name: "truncated at end", in: "{\"a\":1}\n{\"b\":[1,", want: []string{`1 {"a":1}`, "2 error"}},
	{name: "invalid escape", in: "{\"a\":\"\\q\"}\n{\"b\":2}\n", want: []string{"1 error", `2 {"b":2}`}},
	{name: "control character", in: "{\"a\":\"\x01\"}\n{\"b\":2}\n", want: []string{"1 error", `2 {"b":2}`}},
	{name: "invalid utf-8", in: "{\"a\":\"caf\xE9\"}\n{\"b\":2}\n", want: []string{"1 error", `2 {"b":2}`}},
	{name: "leading zero", in: "01\n{\"b\":2}\n", want: []string{"1 error", `2 {"b":2}`}},
	{name: "bad literal", in: "tru\nnul\n{\"b\":2}\n", want: []string{"1 error", `3 {"b":2}`}},
	{name: "single quotes", in: "{'a':1}\n{\"b\":2}\n", want: []string{"1 error", `2 {"b":2}`}},
	{name: "trailing comma", in: "{\"a\":1},\n{\"b\":2}\n", want: []string{"1 error", `2 {"b":2}`}},
	{name: "broken pretty object", in: "{\n  \"a\": 1,\n  \"b\": oops,\n  \"c\": {\n    \"d\": 1\n  }\n}\n{\"e\":5}\n", want: []string{"1 error", `8 {"e":5}`}},
	{name: "broken element", in: "[\n  {\"a\":1},\n  {\"b\":x},\n  {\"c\":3}\n]\n{\"d\":4}\n", unwrap: true, want: []string{`2 {"a":1}`, "3 error", `4 {"c":3}`, `6 {"d":4}`}},
	{name: "unclosed array then records", in: "[\n{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n", unwrap: true, want: []string{`2 {"a":1}`, "3 error", `3 {"b":2}`, `4 {"c":3}`}},
	{name: "indented records after bad line", in: "oops\n  {\"a\":1}\n  {\"b\":2}\n", want: []string{"1 error", `2 {"a":1}`, `3 {"b":2}`}},
	{name: "broken pretty element", in: strings.Replace(powerShellArray, "12", "1 2", 1), unwrap: true, want: []string{"2 error", psSecond}},
	{name: "missing comma", in: "[\n  1\n  2,\n  3\n]\n", unwrap: true, want: []string{"2 1", "3 error", "4 3"}},
	{name: "element trailing comma", in: "[1,2,]\n{\"a\":1}\n", unwrap: true, want: []string{"1 1", "1 2", "1 error", `2 {"a":1}`}},
	{name: "unclosed array", in: "[1,2", unwrap: true, want: []string{"1 1", "1 2", "1 error"}},
	{name: "one-line array then records", in: "[{\"a\":1},{\"b\":x}]\n{\"c\":3}\n{\"d\":4}\n", unwrap: true, want: []string{`1 {"a":1}`, "1 error", `2 {"c":3}`, `3 {"d":4}`}},
	{name: "junk after array", in: "[1]]\n2\n", unwrap: true, want: []string{"1 1", "1 error", "2 2"}},
	{name: "lone closer", in: "}\n]\n{\"a\":1}\n", want: []string{"1 error", `3 {"a":1}`}},

	// Encodings.
	{name: "utf-16le bom", in: string(encodeUTF16("{\"a\":\"é😀\"}\r\n{\"b\":2}\r\n", false, true)), want: []string{`1 {"a":"é😀"}`, `2 {"b":2}`}},
	{name: "utf-16be bom", in: string(encodeUTF16("{\"a\":\"é😀\"}\r\n{\"b\":2}\r\n", true, true)), want: []string{`1 {"a":"é😀"}`, `2 {"b":2}`}},
	{name: "utf-16le no bom", in: string(encodeUTF16("{\"a\":1}\n", false, false)), want: []string{`1 {"a":1}`}},
	{name: "utf-16be no bom", in: string(encodeUTF16("[1]\n", true, false)), unwrap: true, want: []string{`1 1`}},
	{name: "utf-16le powershell", in: string(encodeUTF16(powerShellArray, false, true)), unwrap: true, want: []string{psFirst, psSecond}},
	{name: "utf-16 lone surrogate", in: "\xFF\xFE\"\x00\x00\xD8\"\x00", want: []string{"1 \"\uFFFD\""}},
	{name: "utf-16 odd length", in: "\xFF\xFE1\x00\n", want: []string{"1 error"}},
	{name: "explicit utf-16le", in: string(encodeUTF16("1\r\n", false, true)), enc: "UTF-16LE", want: []string{"1 1"}},
	{name: "explicit utf-16be", in: string(encodeUTF16("1\r\n", true, false)), enc: "utf-16be", want: []string{"1 1"}},
	{name: "explicit utf-8 bom", in: "\xEF\xBB\xBF1", enc: "utf-8", want: []string{"1 1"}},
	{name: "windows-1252", in: "{\"a\":\"\x80 caf\xE9 \x9F \x81\"}\n", enc: "windows-1252", want: []string{"1 {\"a\":\"€ café Ÿ \u0081\"}"}},
	{name: "latin1", in: "{\"a\":\"\x80 caf\xE9\"}\n", enc: "latin1", want: []string{"1 {\"a\":\"\u0080 café\"}"}},
	{name: "unknown encoding", in: "1", enc: "ebcdic", want: []string{`fatal: unknown input encoding "ebcdic": expected one of utf-8, utf-16le, utf-16be, windows-1252, latin1`}},
}

func TestReaderCases(t *testing.T) {
	for _, tc := range readerCases {
		t.Run(tc.name, func(t *testing.T) {
			got := readAll(t, strings.NewReader(tc.in), ReaderOptions{UnwrapArrays: tc.unwrap, Encoding: tc.enc})
			if !slices.Equal(got, tc.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// TestReaderOneByteReads checks that values split across reads give the
// same result, which exercises every place where the scanner resumes.
func TestReaderOneByteReads(t *testing.T) {
	for _, tc := range readerCases {
		t.Run(tc.name, func(t *testing.T) {
			in := iotest.OneByteReader(strings.NewReader(tc.in))
			got := readAll(t, in, ReaderOptions{UnwrapArrays: tc.unwrap, Encoding: tc.enc})
			if !slices.Equal(got, tc.want) {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestReaderLongLine(t *testing.T) {
	long := strings.Repeat("x", 1<<20)
	in := "{\"a\":1}\n{\"long\":\"" + long + "\"}\n{\"b\":2}\n"
	r := NewReader(strings.NewReader(in), ReaderOptions{})
	first, err := r.Next()
	if err != nil || string(first.Raw) != `{"a":1}` {
		t.Fatalf("first value: %q, %v", first.Raw, err)
	}
	v, err := r.Next()
	if err != nil {
		t.Fatalf("long value: %v", err)
	}
	if len(v.Raw) != len(long)+len(`{"long":""}`) {
		t.Errorf("long value has %d bytes", len(v.Raw))
	}
	if v.Line != 2 {
		t.Errorf("long value on line %d, want 2", v.Line)
	}
	last, err := r.Next()
	if err != nil || string(last.Raw) != `{"b":2}` || last.Line != 3 {
		t.Errorf("last value: %q on line %d, %v", last.Raw, last.Line, err)
	}
}

// arrayReader generates "[\n" and count elements, one per line, then "]\n",
// without holding them all.
type arrayReader struct {
	count, next int
	pending     []byte
	done        bool
}

func (a *arrayReader) Read(p []byte) (int, error) {
	for len(a.pending) < len(p) && !a.done {
		switch {
		case a.next == 0:
			a.pending = append(a.pending, "[\n"...)
		case a.next <= a.count:
			a.pending = fmt.Appendf(a.pending, `  {"path":"C:\\Temp\\f%d.tmp","size":%d}`, a.next, a.next)
			if a.next < a.count {
				a.pending = append(a.pending, ',')
			}
			a.pending = append(a.pending, '\n')
		default:
			a.pending = append(a.pending, "]\n"...)
			a.done = true
		}
		a.next++
	}
	if len(a.pending) == 0 {
		return 0, io.EOF
	}
	n := copy(p, a.pending)
	a.pending = a.pending[:copy(a.pending, a.pending[n:])]
	return n, nil
}

func TestReaderArrayStreamed(t *testing.T) {
	const count = 100_000
	r := NewReader(&arrayReader{count: count}, ReaderOptions{UnwrapArrays: true})
	n := 0
	for {
		v, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("element %d: %v", n+1, err)
		}
		n++
		if v.Line != n+1 {
			t.Fatalf("element %d on line %d, want %d", n, v.Line, n+1)
		}
	}
	if n != count {
		t.Errorf("read %d elements, want %d", n, count)
	}
	if len(r.buf) != initialBufferSize {
		t.Errorf("buffer grew to %d bytes, want %d", len(r.buf), initialBufferSize)
	}
}

func TestReaderReadError(t *testing.T) {
	failure := errors.New("disk on fire")
	in := iotest.DataErrReader(io.MultiReader(strings.NewReader("{\"a\":1}\n"), iotest.ErrReader(failure)))
	r := NewReader(in, ReaderOptions{})
	if _, err := r.Next(); err != nil {
		t.Fatalf("first value: %v", err)
	}
	_, err := r.Next()
	if !errors.Is(err, failure) {
		t.Errorf("second call: %v, want %v", err, failure)
	}
	_, err = r.Next()
	if !errors.Is(err, failure) {
		t.Errorf("third call: %v, want the same error again", err)
	}
}

func TestReaderRawValidUntilNext(t *testing.T) {
	r := NewReader(strings.NewReader("{\"a\":1}\n{\"b\":2}\n"), ReaderOptions{})
	v, _ := r.Next()
	if string(v.Raw) != `{"a":1}` {
		t.Errorf("Raw = %q", v.Raw)
	}
}

// inputError reads in and returns its first *InputError.
func inputError(t *testing.T, in string, opts ReaderOptions) *InputError {
	t.Helper()
	r := NewReader(strings.NewReader(in), opts)
	for {
		_, err := r.Next()
		var inputErr *InputError
		if errors.As(err, &inputErr) {
			return inputErr
		}
		if err != nil {
			t.Fatalf("no input error, ended with %v", err)
		}
	}
}

func TestInputErrorMessages(t *testing.T) {
	cases := []struct {
		name, in string
		enc      string
		want     string
	}{
		{"missing brace", "{\"a\":1\n{\"b\":2}\n", "", `line 1: invalid JSON "{\"a\":1": expected ',' or '}' after the object member but found '{' on line 2`},
		{"extra brace", "{\"a\":1}}\n", "", `line 1: invalid JSON "{\"a\":1}}": expected a line break or another value after the value but found '}'`},
		{"plain text", "hello world\n", "", `line 1: invalid JSON "hello world": expected a value but found 'h'`},
		{"unterminated string", "{\"a\":\"b\n", "", `line 1: invalid JSON "{\"a\":\"b": expected '"' to end the string but found the end of the line`},
		{"end of input", "[1,", "", `line 1: invalid JSON "[1,": expected a value but found the end of the input`},
		{"missing colon", `{"a" 1}`, "", `line 1: invalid JSON "{\"a\" 1}": expected ':' after the object key but found '1'`},
		{"bad escape", `"\x41"`, "", `line 1: invalid JSON "\"\\x41\"": expected a valid escape such as \n, \" or \u00e9 but found "\\x41\""`},
		{"long text", strings.Repeat("é", 30) + "\n", "", `line 1: invalid JSON "` + strings.Repeat("é", 20) + `...": expected a value but found 'é'`},
		{"not utf-8 auto", "{\"a\":\"caf\xE9\"}\n", "", `line 1: text is not UTF-8 (invalid byte 0xE9 in "{\"a\":\"caf\xe9\"}"); use --input-encoding windows-1252 if it was written in the ANSI code page`},
		{"not utf-8 explicit", "{\"a\":\"caf\xE9\"}\n", "utf-8", `line 1: text is not valid UTF-8: invalid byte 0xE9 in "{\"a\":\"caf\xe9\"}"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := inputError(t, tc.in, ReaderOptions{Encoding: tc.enc}).Error()
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestInputErrorText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"table header", "Name    Length\r\n----\r\n", "Name    Length"},
		{"value after another", "{\"a\":1} {\"b\":\n", "{\"a\":1} {\"b\":"},
		{"cut at 80 bytes", strings.Repeat("a", 100), strings.Repeat("a", 80)},
		{"cut before a rune", strings.Repeat("a", 79) + "é", strings.Repeat("a", 79)},
		{"invalid utf-8", "{\"a\":\"\xE9\"}", "{\"a\":\"\uFFFD\"}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := inputError(t, tc.in, ReaderOptions{}).Text
			if got != tc.want {
				t.Errorf("Text = %q, want %q", got, tc.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Text %q is not valid UTF-8", got)
			}
		})
	}
}

func TestDetectEncoding(t *testing.T) {
	cases := []struct {
		head []byte
		want string
	}{
		{[]byte("{\"a"), "utf-8"},
		{[]byte("1"), "utf-8"},
		{[]byte("{\x00\"\x00"), "utf-16le"},
		{[]byte("\x00{\x00\""), "utf-16be"},
		{[]byte("\xFF\xFE"), "utf-16le"},
		{[]byte("\xFE\xFF"), "utf-16be"},
		{[]byte("\x00\x00{\x00"), "utf-8"},
	}
	for _, tc := range cases {
		if got := detectEncoding(tc.head); got != tc.want {
			t.Errorf("detectEncoding(%q) = %s, want %s", tc.head, got, tc.want)
		}
	}
}

func TestWindows1252Table(t *testing.T) {
	// Every byte from 0x80 up decodes to one valid rune.
	for c := 0x80; c < 0x100; c++ {
		dst := make([]byte, utf8.UTFMax)
		n, _ := decodeSingleByte(dst, []byte{byte(c)}, &windows1252)
		r, _ := utf8.DecodeRune(dst[:n])
		if c >= 0xA0 && r != rune(c) {
			t.Errorf("byte 0x%02X decodes to %U, want %U", c, r, c)
		}
		if r == utf8.RuneError {
			t.Errorf("byte 0x%02X decodes to U+FFFD", c)
		}
	}
	dst := make([]byte, 8)
	n, _ := decodeSingleByte(dst, []byte{0x80, 0x99}, &windows1252)
	if got := string(dst[:n]); got != "€™" {
		t.Errorf("0x80 0x99 decode to %q, want %q", got, "€™")
	}
}

func TestReaderUTF16Chunks(t *testing.T) {
	// Surrogate pairs split at every offset across reads.
	in := encodeUTF16(strings.Repeat("{\"a\":\"😀é\"}\r\n", 3), false, true)
	got := readAll(t, iotest.HalfReader(bytes.NewReader(in)), ReaderOptions{})
	want := []string{`1 {"a":"😀é"}`, `2 {"a":"😀é"}`, `3 {"a":"😀é"}`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReaderBOMWinsOverEncodingOption(t *testing.T) {
	in := encodeUTF16("{\"a\":\"\u00e9\"}\n", false, true)
	got := readAll(t, bytes.NewReader(in), ReaderOptions{Encoding: "windows-1252"})
	if len(got) != 1 || got[0] != "1 {\"a\":\"\u00e9\"}" {
		t.Errorf("got %q", got)
	}
}
