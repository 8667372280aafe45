package pipeline

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// encodeReference encodes v as jsonio.Writer.WriteValue did before
// AppendJQValue: encoding/json with HTML escaping off, after replacing NaN
// with null and infinities with the largest finite numbers, as jq does.
func encodeReference(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(jqNumbers(v)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func jqNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsNaN(x):
			return nil
		case math.IsInf(x, 1):
			return math.MaxFloat64
		case math.IsInf(x, -1):
			return -math.MaxFloat64
		}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jqNumbers(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jqNumbers(e)
		}
		return out
	}
	return v
}

func TestAppendJQValueMatchesEncodingJSON(t *testing.T) {
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	values := []any{
		nil, true, false, 0, -1, math.MaxInt, math.MinInt, "", "<a>&\"\\\n\t\x01\u2028é😀\xff",
		0.0, math.Copysign(0, -1), 1.5, -2.25, 1e-6, 9.99e-7, 1e20, 1e21, 123456789e300, 5e-324,
		math.NaN(), math.Inf(1), math.Inf(-1), []any{1, math.NaN()},
		json.Number("1.10"), json.Number("-0"), json.Number("1e400"), huge, (*big.Int)(nil),
		[]any{}, map[string]any{},
		map[string]any{"b": 1, "a": []any{"x", 2.5, nil}, "é": map[string]any{"z": true, "<": ">"}},
		[]any{map[string]any{"size": 2048, "path": "/srv/webtemp/a.mmp", "old": true}},
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		values = append(values, math.Float64frombits(rng.Uint64()))
		values = append(values, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(60)-30)))
	}
	for _, v := range values {
		want, wantErr := encodeReference(v)
		got, err := AppendJQValue(nil, v)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("AppendJQValue(%#v): error %v, want %v", v, err, wantErr)
			continue
		}
		if err != nil {
			if err.Error() != wantErr.Error() {
				t.Errorf("AppendJQValue(%#v): error %q, want %q", v, err, wantErr)
			}
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("AppendJQValue(%#v) = %s, want %s", v, got, want)
		}
	}
}

func TestAppendJQValueInvalidNumber(t *testing.T) {
	for _, n := range []json.Number{"", "1.", "abc", "01", "true"} {
		want, wantErr := encodeReference(n)
		got, err := AppendJQValue(nil, n)
		if (err == nil) != (wantErr == nil) || err == nil && !bytes.Equal(got, want) {
			t.Errorf("AppendJQValue(json.Number(%q)) = %s, %v; want %s, %v", n, got, err, want, wantErr)
		}
	}
}

func BenchmarkAppendJQValue(b *testing.B) {
	record := map[string]any{"path": "/srv/webtemp/s0094207.mmp", "size": 2283, "old": true}
	b.Run("AppendJQValue", func(b *testing.B) {
		b.ReportAllocs()
		var dst []byte
		for b.Loop() {
			var err error
			if dst, err = AppendJQValue(dst[:0], record); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeReference(record); err != nil {
				b.Fatal(err)
			}
		}
	})
}
