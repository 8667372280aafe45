package jsonio

import (
	"io/fs"
	"syscall"
	"testing"
)

func TestIsClosedPipeWindows(t *testing.T) {
	for _, errno := range []syscall.Errno{109, 232, 233} {
		if !IsClosedPipe(&fs.PathError{Op: "write", Path: "stdout", Err: errno}) {
			t.Errorf("Errno %d is not a closed pipe", errno)
		}
	}
	if IsClosedPipe(syscall.Errno(5)) {
		t.Error("ERROR_ACCESS_DENIED is a closed pipe")
	}
}
