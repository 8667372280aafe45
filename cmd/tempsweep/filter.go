package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tempsweep/tempsweep/pipeline"
)

type filterFlags struct {
	args, argJSON []string
	programFile   string
	input         string
}

func (a *app) newFilterCommand() *cobra.Command {
	var f filterFlags
	cmd := &cobra.Command{
		Use:   "filter [--arg NAME VALUE]... [--argjson NAME JSON]... (EXPR | -f FILE)",
		Short: "Run a jq program on every record",
		Long: `filter runs a jq program (the gojq implementation) on every input value
and writes each result as one line. A top-level array in the input is
taken element by element, as the other commands do. A result that is the
input record itself, as with select(...), is written as the input was,
keys in their original order.

Helpers added to jq:
` + pipeline.FilterHelpers + `

A value that cannot be read, or on which the program fails, is reported
on stderr with its line number; the run goes on and exits with code 1.`,
		Example: `  tempsweep filter 'select(.age > 86400)'
  tempsweep filter 'select(older_than("36h") and smaller_than("4KB"))'
  tempsweep filter --arg ext .mmp 'select(.ext == $ext)'
  tempsweep filter -f keep-old.jq -i listed.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runFilter(args, f)
		},
	}
	flags := cmd.Flags()
	flags.StringArrayVar(&f.args, "arg", nil, "bind $`NAME` to the string VALUE (written --arg NAME VALUE)")
	flags.StringArrayVar(&f.argJSON, "argjson", nil, "bind $`NAME` to the JSON value (written --argjson NAME JSON)")
	flags.StringVarP(&f.programFile, "from-file", "f", "", "read the jq program from `FILE`")
	flags.StringVarP(&f.input, "input", "i", "", "read records from `FILE` instead of stdin")
	return cmd
}

func (a *app) runFilter(args []string, f filterFlags) error {
	program, err := filterProgram(args, f.programFile)
	if err != nil {
		return err
	}
	vars, err := filterVariables(f)
	if err != nil {
		return err
	}
	filter, err := pipeline.CompileFilter(program, vars)
	if err != nil {
		return usageError("%v", err)
	}
	in, closeInput, err := a.openInput(f.input)
	if err != nil {
		return err
	}
	defer closeInput()

	defer tuneGC()()
	sink := a.newSink()
	rep := a.newReporter("records")
	invalid, failed, err := a.filterRecords(in, filter, sink, rep)
	if err := a.finishOutput(sink, rep, err); err != nil {
		return err
	}
	if invalid+failed > 0 {
		return silentExit(exitIncomplete)
	}
	return nil
}

func filterProgram(args []string, file string) (string, error) {
	if file != "" {
		if len(args) > 0 {
			return "", usageError("give the jq program either as an argument or with -f, not both")
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usageError("read jq program: %v", err)
		}
		return string(b), nil
	}
	if len(args) != 1 {
		return "", usageError("expected one jq program argument, got %d (quote the program as one argument)", len(args))
	}
	return args[0], nil
}

func filterVariables(f filterFlags) ([]pipeline.Variable, error) {
	var vars []pipeline.Variable
	for _, pair := range f.args {
		name, value, ok := strings.Cut(pair, "=")
		if !ok || name == "" {
			return nil, usageError("--arg needs a name and a value: --arg NAME VALUE")
		}
		vars = append(vars, pipeline.Variable{Name: name, Value: value})
	}
	for _, pair := range f.argJSON {
		name, text, ok := strings.Cut(pair, "=")
		if !ok || name == "" {
			return nil, usageError("--argjson needs a name and a JSON value: --argjson NAME JSON")
		}
		value, err := decodeValue([]byte(text))
		if err != nil {
			return nil, usageError("--argjson %s: invalid JSON %q: %v", name, text, err)
		}
		vars = append(vars, pipeline.Variable{Name: name, Value: value})
	}
	return vars, nil
}

// decodeValue decodes one JSON value, keeping numbers exact.
func decodeValue(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode value: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode value: more than one value")
	}
	return v, nil
}
