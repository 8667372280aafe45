package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// shrinkPipe sets the buffer of w, when it is a pipe, to one page. delete
// learns that its reader has gone only when a write fails. A write fails only
// once the buffer is full, so a small buffer limits the files deleted beyond
// what the reader took to the few records that fit in a page.
func shrinkPipe(w any) {
	f, ok := w.(*os.File)
	if !ok {
		return
	}
	var st unix.Stat_t
	if unix.Fstat(int(f.Fd()), &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return
	}
	unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, os.Getpagesize())
}
