package main

import (
	"errors"
	"fmt"
)

// Exit codes. They are listed in every command's help.
const (
	exitOK          = 0
	exitIncomplete  = 1
	exitUsage       = 2
	exitGateClosed  = 3
	exitFatal       = 4
	exitInterrupted = 130
)

const exitCodeHelp = `Exit codes:
  0    done, including when nothing matched
  1    done, but a record was invalid, an entry unreadable, or a file
       skipped or failed rather than deleted
  2    usage error: bad flag, bad jq program, missing --root
  3    a service gate is closed: nothing was passed on or deleted
  4    fatal error: a root cannot be read, output cannot be written
  130  interrupted: the files in hand were finished, nothing after them`

// exitError carries an exit code up to run, which prints the message once.
// An empty message prints nothing, for failures already reported.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func fatalError(err error) error { return &exitError{code: exitFatal, err: err} }

// silentExit ends the run with code after the command has reported why.
func silentExit(code int) error { return &exitError{code: code} }

func exitCodeOf(err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	return exitUsage
}
