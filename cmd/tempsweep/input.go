package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tempsweep/tempsweep/jsonio"
)

// readValues reads the JSON values of in and calls fn with each. A value
// that cannot be read is reported with its line and skipped; readValues
// returns how many were. An error from fn, or a failure to read in, ends
// the loop and is returned.
func (a *app) readValues(in io.Reader, rep *reporter, fn func(jsonio.Value) error) (int, error) {
	reader := jsonio.NewReader(in, jsonio.ReaderOptions{UnwrapArrays: true, Encoding: a.inputEncoding})
	invalid := 0
	hinted := false
	for {
		if err := a.interrupted(); err != nil {
			return invalid, err
		}
		v, err := reader.Next()
		if err == io.EOF {
			return invalid, nil
		}
		var inputErr *jsonio.InputError
		if errors.As(err, &inputErr) {
			invalid++
			rep.warn("tempsweep: %s: %v", a.command, err)
			if hint := inputHint(inputErr.Text); hint != "" && !hinted {
				hinted = true
				rep.warn("hint: %s", hint)
			}
			continue
		}
		if err != nil {
			return invalid, fatalError(fmt.Errorf("read input: %w", err))
		}
		if err := fn(v); err != nil {
			return invalid, err
		}
	}
}

// inputHint recognises text that PowerShell formats for people and names
// the idiom that sends JSON instead.
func inputHint(text string) string {
	t := strings.TrimSpace(text)
	switch {
	case strings.HasPrefix(t, "Directory:"), strings.HasPrefix(t, "Mode "),
		strings.HasPrefix(t, "----"), strings.HasPrefix(t, "FullName "),
		strings.Contains(t, "LastWriteTime"):
		return "this looks like PowerShell's formatted output, not JSON; send objects as JSON: " +
			"Get-ChildItem | Select-Object FullName, Length, LastWriteTimeUtc | ConvertTo-Json -Compress | tempsweep ..."
	}
	return ""
}
