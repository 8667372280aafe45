package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"reflect"
	"time"

	"github.com/itchyny/gojq"
)

// Variable is a named value that a jq program reads as $Name.
type Variable struct {
	Name  string
	Value any
}

// Filter is a compiled jq program with tempsweep's helper functions. It is
// safe to run on many inputs, one after another.
type Filter struct {
	code   *gojq.Code
	values []any
}

// FilterHelpers documents the functions that tempsweep adds to jq, for the
// help text.
const FilterHelpers = `  seconds("7d")      seconds in a duration: s, m, h, d, w, combined as in "1d12h"
  bytes("4KB")       bytes in a size: B, KB, MB, GB, TB (powers of 1024)
  older_than("7d")   true when .age is more than the duration
  newer_than("1h")   true when .age is less than the duration
  larger_than("4KB") true when .size is more than the size
  smaller_than("1MB") true when .size is less than the size
  from_psdate        turns a PowerShell date ("\/Date(ms)\/", ISO 8601, or
                     5.1's {"value": ...} object) into RFC 3339 UTC`

// CompileFilter parses and compiles program once. Variables are bound to
// the program's $names in the order given.
func CompileFilter(program string, vars []Variable) (*Filter, error) {
	query, err := gojq.Parse(program)
	if err != nil {
		return nil, fmt.Errorf("invalid jq program: %w", err)
	}
	names := make([]string, len(vars))
	values := make([]any, len(vars))
	for i, v := range vars {
		names[i] = "$" + v.Name
		values[i] = v.Value
	}
	code, err := gojq.Compile(query,
		gojq.WithVariables(names),
		gojq.WithEnvironLoader(os.Environ),
		gojq.WithFunction("seconds", 0, 1, unitFunction(ParseDuration)),
		gojq.WithFunction("bytes", 0, 1, unitFunction(ParseSize)),
		gojq.WithFunction("older_than", 1, 1, compareField("age", ParseDuration, 1)),
		gojq.WithFunction("newer_than", 1, 1, compareField("age", ParseDuration, -1)),
		gojq.WithFunction("larger_than", 1, 1, compareField("size", ParseSize, 1)),
		gojq.WithFunction("smaller_than", 1, 1, compareField("size", ParseSize, -1)),
		gojq.WithFunction("from_psdate", 0, 0, fromPSDate),
	)
	if err != nil {
		return nil, fmt.Errorf("invalid jq program: %w", err)
	}
	return &Filter{code: code, values: values}, nil
}

// Run evaluates the program on input and calls emit with each result.
// unchanged is true when the result is the input value itself, so that the
// caller can write the input's own text and keep its key order. Run returns
// the first error from the program or from emit.
func (f *Filter) Run(ctx context.Context, input any, emit func(result any, unchanged bool) error) error {
	iter := f.code.RunWithContext(ctx, input, f.values...)
	for {
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := v.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return nil
			}
			return err
		}
		if err := emit(v, sameValue(v, input)); err != nil {
			return err
		}
	}
}

// sameValue reports whether result is input itself rather than a copy or a
// new value. Objects and arrays are compared by identity.
func sameValue(result, input any) bool {
	switch in := input.(type) {
	case map[string]any:
		out, ok := result.(map[string]any)
		return ok && reflect.ValueOf(out).UnsafePointer() == reflect.ValueOf(in).UnsafePointer()
	case []any:
		out, ok := result.([]any)
		return ok && len(out) == len(in) && (len(in) == 0 || &out[0] == &in[0])
	}
	return false
}

func unitFunction(parse func(string) (float64, error)) func(any, []any) any {
	return func(v any, args []any) any {
		if len(args) == 1 {
			v = args[0]
		}
		switch x := v.(type) {
		case string:
			n, err := parse(x)
			if err != nil {
				return err
			}
			return normalizeNumber(n)
		case int, float64, *big.Int, json.Number:
			return x
		}
		return fmt.Errorf("expected a string such as \"7d\" or \"4KB\" but got %s", jqTypeName(v))
	}
}

// compareField returns a function that compares the input's field with the
// quantity in its argument; sign 1 means greater than, -1 less than.
func compareField(field string, parse func(string) (float64, error), sign int) func(any, []any) any {
	return func(v any, args []any) any {
		record, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("expected a record but got %s", jqTypeName(v))
		}
		have, ok := toFloat(record[field])
		if !ok {
			return fmt.Errorf("record has no numeric .%s", field)
		}
		var limit float64
		switch x := args[0].(type) {
		case string:
			n, err := parse(x)
			if err != nil {
				return err
			}
			limit = n
		default:
			n, ok := toFloat(x)
			if !ok {
				return fmt.Errorf("expected a string such as \"7d\" or \"4KB\" but got %s", jqTypeName(x))
			}
			limit = n
		}
		if sign > 0 {
			return have > limit
		}
		return have < limit
	}
}

func fromPSDate(v any, _ []any) any {
	if obj, ok := v.(map[string]any); ok {
		v = obj["value"]
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("expected a date string but got %s", jqTypeName(v))
	}
	t, _, err := ParseTime(s)
	if err != nil {
		return err
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	return 0, false
}

func normalizeNumber(f float64) any {
	if f == float64(int(f)) && f < 1<<53 && f > -(1<<53) {
		return int(f)
	}
	return f
}

func jqTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int, float64, *big.Int, json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
