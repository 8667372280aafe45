//go:build !windows

package jsonio

import (
	"errors"
	"syscall"
)

// IsClosedPipe reports whether err means the reader of the output has gone
// away (EPIPE on Unix, ERROR_BROKEN_PIPE or ERROR_NO_DATA on Windows).
func IsClosedPipe(err error) bool {
	return err != nil && errors.Is(err, syscall.EPIPE)
}
