package pipeline

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// decodeReference decodes text with encoding/json and UseNumber, then turns
// the numbers that JQDecoder makes ints into ints, so that both decoders
// can be compared value for value.
func decodeReference(t testing.TB, text string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("reference decoder: %v", err)
	}
	return intsFromNumbers(v)
}

func intsFromNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = intsFromNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = intsFromNumbers(e)
		}
	case json.Number:
		s := string(x)
		if strings.ContainsAny(s, ".eE") || s == "-0" || len(strings.TrimPrefix(s, "-")) > 18 {
			return x
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil && n >= math.MinInt && n <= math.MaxInt {
			return int(n)
		}
	}
	return v
}

func TestDecodeJQValueMatchesEncodingJSON(t *testing.T) {
	texts := []string{
		`{"type":"file","path":"/srv/webtemp/a.mmp","size":2048,"age":86401,"readOnly":false,"links":1}`,
		` { "a" : [ 1 , 2.5 , -3 , 1e3 , -0 , 0 , 1E-2 ] , "b" : null , "c" : true } `,
		`{"big":123456789012345678901234567890,"max":999999999999999999,"over":1000000000000000000}`,
		`{"neg":-999999999999999999,"f":1.10,"e":-1.5e+300}`,
		`{"dup":1,"dup":2}`,
		`{"esc":"tab\tq\"b\\s\/\b\f\n\r\u00e9\u2028\ud83d\ude00","lone":"\ud800x","pair-less":"\udc00"}`,
		`{"utf8":"résumé 日本 😀","empty":"","nested":{"deep":[[[{"x":[]}]]],"o":{}}}`,
		`[]`, `[{}]`, `"just a string"`, `42`, `-7`, `3.0`, `true`, `false`, `null`,
		"{\"crlf\":\r\n1}",
	}
	for _, text := range texts {
		got, err := DecodeJQValue(text)
		if err != nil {
			t.Errorf("DecodeJQValue(%s): %v", text, err)
			continue
		}
		want := decodeReference(t, text)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeJQValue(%s)\n got %#v\nwant %#v", text, got, want)
		}
	}
}

func TestDecodeJQValueNumberTypes(t *testing.T) {
	cases := map[string]any{
		`0`:                    0,
		`-12`:                  -12,
		`999999999999999999`:   999999999999999999,
		`1000000000000000000`:  json.Number("1000000000000000000"),
		`-0`:                   json.Number("-0"),
		`1.0`:                  json.Number("1.0"),
		`2e3`:                  json.Number("2e3"),
		`12345678901234567890`: json.Number("12345678901234567890"),
	}
	for text, want := range cases {
		got, err := DecodeJQValue(text)
		if err != nil {
			t.Errorf("DecodeJQValue(%s): %v", text, err)
			continue
		}
		if got != want {
			t.Errorf("DecodeJQValue(%s) = %#v (%T), want %#v (%T)", text, got, got, want, want)
		}
	}
}

func TestDecodeJQValueRejectsInvalidJSON(t *testing.T) {
	texts := []string{
		``, ` `, `{`, `}`, `[1,]`, `[1 2]`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{a:1}`,
		`{"a":1}}`, `01`, `-`, `1.`, `1e`, `1e+`, `.5`, `+1`, `tru`, `nul`, `"open`,
		`"bad \x escape"`, `"\u12"`, "\"control\x01char\"", `{"a":1} 2`, `[`,
	}
	for _, text := range texts {
		if v, err := DecodeJQValue(text); err == nil {
			t.Errorf("DecodeJQValue(%q) = %#v, want an error", text, v)
		}
	}
}

func TestDecodeJQValueDepthLimit(t *testing.T) {
	deep := strings.Repeat("[", maxDecodeDepth+1) + strings.Repeat("]", maxDecodeDepth+1)
	if _, err := DecodeJQValue(deep); err == nil {
		t.Errorf("decoding %d nested arrays succeeded, want an error", maxDecodeDepth+1)
	}
	allowed := strings.Repeat("[", maxDecodeDepth) + strings.Repeat("]", maxDecodeDepth)
	if _, err := DecodeJQValue(allowed); err != nil {
		t.Errorf("decoding %d nested arrays: %v", maxDecodeDepth, err)
	}
}

func TestJQDecoderSizesMapsFromLastRecord(t *testing.T) {
	var d JQDecoder
	for _, text := range []string{`{"a":1,"b":2,"c":3}`, `{"a":1}`, `{"x":{"y":1,"z":2},"w":[]}`} {
		got, err := d.Decode(text)
		if err != nil {
			t.Fatalf("Decode(%s): %v", text, err)
		}
		if want := decodeReference(t, text); !reflect.DeepEqual(got, want) {
			t.Errorf("Decode(%s) = %#v, want %#v", text, got, want)
		}
	}
}

func FuzzDecodeJQValue(f *testing.F) {
	for _, seed := range []string{
		`{"type":"file","size":2048,"age":-1,"f":1.5e3,"s":"a\"\\\u00e9","a":[null,true,false,{}]}`,
		`[1,-0,999999999999999999,1000000000000000000]`,
		`"\ud83d\ude00\ud800"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		// Decode leaves the UTF-8 check to jsonio.Reader, while
		// encoding/json replaces invalid bytes, so only valid UTF-8 is
		// compared.
		if !utf8.ValidString(text) {
			return
		}
		got, err := DecodeJQValue(text)
		if !json.Valid([]byte(text)) {
			if err == nil {
				t.Fatalf("DecodeJQValue(%q) = %#v, but the text is not valid JSON", text, got)
			}
			return
		}
		if err != nil {
			t.Fatalf("DecodeJQValue(%q): %v", text, err)
		}
		if want := decodeReference(t, text); !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeJQValue(%q)\n got %#v\nwant %#v", text, got, want)
		}
	})
}

// benchRecord is a file record as list writes it.
const benchRecord = `{"type":"file","path":"/srv/webtemp/s0094207.mmp","root":"/srv/webtemp","name":"s0094207.mmp",` +
	`"ext":".mmp","size":2283,"modTime":"2026-12-04T03:33:16.274091711Z","accessTime":"2026-12-04T03:33:16.274091711Z",` +
	`"changeTime":"2026-12-04T17:04:47.740781461Z","birthTime":"2026-12-04T17:04:47.740781461Z","age":48696,` +
	`"listedAt":"2026-12-04T17:04:52.899200848Z","host":"web01","fileId":"65024:10154140","readOnly":false,` +
	`"hidden":false,"links":1}`

func BenchmarkJQDecoderRecord(b *testing.B) {
	var d JQDecoder
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(benchRecord); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilterRecord decodes a record and runs a select program on it,
// the work that filter does per record besides reading and writing.
func BenchmarkFilterRecord(b *testing.B) {
	f, err := CompileFilter(`select(.size > 3000 and .age > 86400)`, nil)
	if err != nil {
		b.Fatal(err)
	}
	var d JQDecoder
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		input, err := d.Decode(benchRecord)
		if err != nil {
			b.Fatal(err)
		}
		err = f.Run(ctx, input, func(any, bool) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
}

func TestJQDecoderCompact(t *testing.T) {
	cases := map[string]bool{
		`{"a":[1,2],"b":"x y"}`: true,
		`"spaces inside"`:       true,
		`{"a": 1}`:              false,
		"{\"a\":1}\n":           false,
		" 1":                    false,
	}
	var d JQDecoder
	for text, want := range cases {
		if _, err := d.Decode(text); err != nil {
			t.Fatalf("Decode(%q): %v", text, err)
		}
		if got := d.Compact(); got != want {
			t.Errorf("Compact() after %q = %v, want %v", text, got, want)
		}
	}
}
