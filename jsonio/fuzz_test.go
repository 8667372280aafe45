package jsonio

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// FuzzReader checks that the Reader never panics or loops, returns only
// valid JSON in valid UTF-8 with non-decreasing lines, reads one valid JSON
// text as exactly that value, and gives the same result however the input
// is split into reads.
func FuzzReader(f *testing.F) {
	seeds := []string{
		"{\"a\":1}\n{\"b\":2}\n",
		"{\"a\":1\n{\"b\":2}\n",
		"{\"a\":1}}\n{\"c\":3}\n",
		"hello\n[1,2,\n3]\n",
		powerShellArray,
		string(encodeUTF16("{\"a\":\"é😀\"}\r\n", false, true)),
		"\xEF\xBB\xBF\"caf\xE9\"\n1e5 -0 true",
		"[ {\"a\":[1,{\"b\":\"\\u00e9\"}]} , 2 ]",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false, uint8(0))
		f.Add([]byte(s), true, uint8(0))
	}
	f.Add([]byte("\x80\x9f\xff"), false, uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, unwrap bool, encodingIndex uint8) {
		opts := ReaderOptions{UnwrapArrays: unwrap}
		if k := int(encodingIndex); k > 0 && k <= len(Encodings) {
			opts.Encoding = Encodings[k-1]
		}
		whole := readChecked(t, bytes.NewReader(data), opts, len(data))
		split := readChecked(t, iotest.OneByteReader(bytes.NewReader(data)), opts, len(data))
		if !equalResults(whole, split) {
			t.Errorf("one-byte reads give %+v, whole reads give %+v", split, whole)
		}
		if opts.Encoding == "" && !unwrap && json.Valid(data) && utf8.Valid(data) {
			want := bytes.Trim(data, " \t\r\n")
			if len(whole) != 1 || whole[0].err != nil || !bytes.Equal(whole[0].raw, want) {
				t.Errorf("valid JSON %q read as %+v", data, whole)
			}
		}
	})
}

type fuzzResult struct {
	raw  []byte
	line int
	err  error
}

func equalResults(a, b []fuzzResult) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !bytes.Equal(a[k].raw, b[k].raw) || a[k].line != b[k].line || (a[k].err == nil) != (b[k].err == nil) {
			return false
		}
	}
	return true
}

// readChecked reads every value and checks each. Every result consumes at
// least one byte of decoded input, and decoding turns one byte into at most
// three, so more than 4*size+2 results mean that Next loops.
func readChecked(t *testing.T, in io.Reader, opts ReaderOptions, size int) []fuzzResult {
	r := NewReader(in, opts)
	var results []fuzzResult
	lastLine := 0
	for range 4*size + 2 {
		v, err := r.Next()
		if err == io.EOF {
			return results
		}
		var inputErr *InputError
		if err != nil && !errors.As(err, &inputErr) {
			return append(results, fuzzResult{err: err})
		}
		line := v.Line
		if inputErr != nil {
			line = inputErr.Line
			if !utf8.ValidString(inputErr.Text) || len(inputErr.Text) > textMaxBytes {
				t.Fatalf("line %d: invalid Text %q", line, inputErr.Text)
			}
		} else {
			if !json.Valid(v.Raw) {
				t.Fatalf("line %d: invalid JSON %q", line, v.Raw)
			}
			if !utf8.Valid(v.Raw) {
				t.Fatalf("line %d: invalid UTF-8 %q", line, v.Raw)
			}
		}
		if line < lastLine || line < 1 {
			t.Fatalf("line %d after line %d", line, lastLine)
		}
		lastLine = line
		results = append(results, fuzzResult{raw: bytes.Clone(v.Raw), line: line, err: err})
	}
	t.Fatalf("more than %d results from %d bytes of input", 4*size+2, size)
	return nil
}
