package main

import (
	"bytes"
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
		// Next may have waited for input while Ctrl-C came.
		if err := a.interrupted(); err != nil {
			return invalid, err
		}
		var inputErr *jsonio.InputError
		if errors.As(err, &inputErr) {
			invalid++
			a.reportInputError(rep, inputErr, &hinted)
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

// parsedObject is one input value parsed as a JSON object, or what kept it
// from being one.
type parsedObject struct {
	line int
	obj  jsonio.Object
	// parseErr is set for a value that is JSON but not an object.
	parseErr error
	// inputErr is set for a value that could not be read.
	inputErr *jsonio.InputError
	// err is a failure to read the input, which ends it.
	err error
}

// readObjects reads the JSON values of in, as readValues does, and calls fn
// with runs of them parsed as objects, in order. Another goroutine reads and
// parses the values ahead, in batches that keep the hand-overs between the
// goroutines few, so that delete spends its own time on the files. A run is
// the part of a batch between values that could not be read, which are
// reported on the way. A value that is JSON but not an object has its
// parseErr set. readObjects returns the number of values that could not be
// read, and the error that ended the loop.
func (a *app) readObjects(in io.Reader, rep *reporter, fn func(run []parsedObject) error) (int, error) {
	const batchesAhead = 4
	batches := make(chan []parsedObject, batchesAhead)
	stop := make(chan struct{})
	defer close(stop)
	go a.parseObjects(in, batches, stop)

	invalid := 0
	hinted := false
	for {
		var batch []parsedObject
		var more bool
		// Ctrl-C ends the wait for input at once, so no record that arrives
		// after it is acted on.
		select {
		case batch, more = <-batches:
		case <-a.ctx.Done():
			return invalid, a.interrupted()
		}
		if !more {
			break
		}
		start := 0
		for k, p := range batch {
			if p.inputErr == nil && p.err == nil {
				continue
			}
			if err := a.passRun(batch[start:k], fn); err != nil {
				return invalid, err
			}
			start = k + 1
			if p.err != nil {
				return invalid, p.err
			}
			invalid++
			a.reportInputError(rep, p.inputErr, &hinted)
		}
		if err := a.passRun(batch[start:], fn); err != nil {
			return invalid, err
		}
	}
	if err := a.interrupted(); err != nil {
		return invalid, err
	}
	return invalid, nil
}

// passRun calls fn with run unless it is empty or the run was interrupted.
func (a *app) passRun(run []parsedObject, fn func(run []parsedObject) error) error {
	if len(run) == 0 {
		return nil
	}
	if err := a.interrupted(); err != nil {
		return err
	}
	return fn(run)
}

// parseObjects sends the values of in to batches, parsed as objects, until
// the input ends or fails, or stop is closed. A batch is sent when it has
// parseBatchSize values, and before every read from in, which may wait for
// the writer of the input, so that no record is held back while more are
// awaited. It closes batches at the end.
func (a *app) parseObjects(in io.Reader, batches chan<- []parsedObject, stop <-chan struct{}) {
	const parseBatchSize = 64
	defer close(batches)
	var batch []parsedObject
	stopped := false
	send := func() bool {
		if len(batch) == 0 {
			return true
		}
		select {
		case batches <- batch:
			batch = nil
			return true
		case <-stop:
			stopped = true
			return false
		}
	}
	source := &flushingReader{r: in, beforeRead: func() { send() }}
	reader := jsonio.NewReader(source, jsonio.ReaderOptions{UnwrapArrays: true, Encoding: a.inputEncoding})
	for !stopped {
		v, err := reader.Next()
		if err == io.EOF {
			send()
			return
		}
		var p parsedObject
		var inputErr *jsonio.InputError
		switch {
		case errors.As(err, &inputErr):
			p.inputErr = inputErr
		case err != nil:
			p.err = fatalError(fmt.Errorf("read input: %w", err))
		default:
			// The object's values share memory with the text, which the
			// reader reuses after the next call.
			p.line = v.Line
			p.obj, p.parseErr = jsonio.ParseObject(bytes.Clone(v.Raw))
		}
		batch = append(batch, p)
		if p.err != nil {
			send()
			return
		}
		if len(batch) == parseBatchSize && !send() {
			return
		}
	}
}

// flushingReader calls beforeRead before every read from r.
type flushingReader struct {
	r          io.Reader
	beforeRead func()
}

func (f *flushingReader) Read(p []byte) (int, error) {
	f.beforeRead()
	return f.r.Read(p)
}

// reportInputError reports a value that could not be read, with a hint the
// first time that the input looks like PowerShell's formatted output.
func (a *app) reportInputError(rep *reporter, err *jsonio.InputError, hinted *bool) {
	rep.warn("tempsweep: %s: %v", a.command, err)
	if hint := inputHint(err.Text); hint != "" && !*hinted {
		*hinted = true
		rep.warn("hint: %s", hint)
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
