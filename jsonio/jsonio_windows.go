package jsonio

import (
	"errors"
	"syscall"
)

// Windows system error codes for a write to a pipe whose reader has closed
// it. The syscall package defines the first but not the second.
const (
	errorBrokenPipe syscall.Errno = 109 // ERROR_BROKEN_PIPE
	errorNoData     syscall.Errno = 232 // ERROR_NO_DATA, "The pipe is being closed."
)

// IsClosedPipe reports whether err means the reader of the output has gone
// away (EPIPE on Unix, ERROR_BROKEN_PIPE or ERROR_NO_DATA on Windows).
func IsClosedPipe(err error) bool {
	return err != nil && (errors.Is(err, errorBrokenPipe) || errors.Is(err, errorNoData) || errors.Is(err, syscall.EPIPE))
}
