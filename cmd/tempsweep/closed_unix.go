//go:build linux || darwin || freebsd

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// readerGone reports whether w is a pipe whose reading end has been closed.
// poll reports POLLERR on the writing end of such a pipe, so delete can
// stop before removing a file whose record no reader would receive.
func readerGone(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: 0}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0
}
