package jsonio

import (
	"errors"
	"syscall"
)

// Windows system error codes for a write to a pipe whose reader has closed
// it. Wine reports ERROR_PIPE_NOT_CONNECTED where Windows reports
// ERROR_NO_DATA.
const (
	errorBrokenPipe       syscall.Errno = 109 // ERROR_BROKEN_PIPE
	errorNoData           syscall.Errno = 232 // ERROR_NO_DATA, "The pipe is being closed."
	errorPipeNotConnected syscall.Errno = 233 // ERROR_PIPE_NOT_CONNECTED
)

// IsClosedPipe reports whether err means the reader of the output has gone
// away (EPIPE on Unix; ERROR_BROKEN_PIPE, ERROR_NO_DATA or
// ERROR_PIPE_NOT_CONNECTED on Windows).
func IsClosedPipe(err error) bool {
	return err != nil && (errors.Is(err, errorBrokenPipe) || errors.Is(err, errorNoData) ||
		errors.Is(err, errorPipeNotConnected) || errors.Is(err, syscall.EPIPE))
}
