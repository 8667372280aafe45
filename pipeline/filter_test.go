package pipeline

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runFilter(t *testing.T, program string, input any, vars ...Variable) ([]any, []bool, error) {
	t.Helper()
	f, err := CompileFilter(program, vars)
	if err != nil {
		t.Fatalf("compile %q: %v", program, err)
	}
	var results []any
	var unchanged []bool
	err = f.Run(context.Background(), input, func(v any, same bool) error {
		results = append(results, v)
		unchanged = append(unchanged, same)
		return nil
	})
	return results, unchanged, err
}

func TestFilterSelectReturnsInputItself(t *testing.T) {
	input := map[string]any{"age": json.Number("100"), "size": json.Number("5")}
	results, unchanged, err := runFilter(t, `select(.age > 10)`, input)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || !unchanged[0] {
		t.Errorf("results = %v unchanged = %v, want the input unchanged", results, unchanged)
	}
}

func TestFilterModifiedRecordIsNotUnchanged(t *testing.T) {
	input := map[string]any{"age": json.Number("100")}
	_, unchanged, err := runFilter(t, `.age = 1`, input)
	if err != nil {
		t.Fatal(err)
	}
	if len(unchanged) != 1 || unchanged[0] {
		t.Errorf("unchanged = %v, want [false]", unchanged)
	}
}

func TestFilterVariables(t *testing.T) {
	input := map[string]any{"ext": ".mmp"}
	results, _, err := runFilter(t, `[.ext == $ext, $n + 1]`, input,
		Variable{Name: "ext", Value: ".mmp"}, Variable{Name: "n", Value: json.Number("41")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(results[0])
	if string(got) != `[true,42]` {
		t.Errorf("results = %s, want [true,42]", got)
	}
}

func TestFilterHelpersOnRecord(t *testing.T) {
	input := map[string]any{"age": json.Number("90000"), "size": json.Number("2048")}
	program := `[older_than("1d"), newer_than("1d"), larger_than("1KB"), smaller_than("1KB"), older_than(100)]`
	results, _, err := runFilter(t, program, input)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(results[0])
	if string(got) != `[true,false,true,false,true]` {
		t.Errorf("results = %s", got)
	}
}

func TestFilterHelperWithoutField(t *testing.T) {
	_, _, err := runFilter(t, `older_than("1d")`, map[string]any{"name": "x"})
	if err == nil || !strings.Contains(err.Error(), "no numeric .age") {
		t.Errorf("error = %v, want it to name .age", err)
	}
}

func TestFilterFromPSDate(t *testing.T) {
	input := map[string]any{
		"a": `/Date(1500328388918)/`,
		"b": "2017-07-17T21:53:08.9180000Z",
		"c": map[string]any{"value": `/Date(1500328388918)/`, "DisplayHint": json.Number("2")},
	}
	results, _, err := runFilter(t, `[.a, .b, .c | from_psdate]`, input)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(results[0])
	want := `["2017-07-17T21:53:08.918Z","2017-07-17T21:53:08.918Z","2017-07-17T21:53:08.918Z"]`
	if string(got) != want {
		t.Errorf("results = %s, want %s", got, want)
	}
}

func TestFilterRuntimeError(t *testing.T) {
	_, _, err := runFilter(t, `.a.b`, map[string]any{"a": "text"})
	if err == nil {
		t.Error("indexing a string gave no error")
	}
}

func TestCompileFilterInvalid(t *testing.T) {
	for _, program := range []string{`select(`, `$undefined`, `nosuchfunction(1)`} {
		if _, err := CompileFilter(program, nil); err == nil {
			t.Errorf("CompileFilter(%q) gave no error", program)
		}
	}
}

func TestFilterBigNumberKept(t *testing.T) {
	input := map[string]any{"id": json.Number("123456789012345678901234567890")}
	results, _, err := runFilter(t, `.id`, input)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(results[0])
	if string(got) != "123456789012345678901234567890" {
		t.Errorf("result = %s", got)
	}
}
