package main

import (
	"os"
	"runtime/debug"
)

// Garbage collector settings for commands that stream records. Decoding a
// record for jq allocates a few KiB that die at once, while the live heap
// stays at a few MiB, so the default GOGC=100 would collect after every few
// thousand records. A higher GOGC collects less often, and the soft memory
// limit makes the collector work harder before the heap grows past it, so
// that memory stays flat.
//
// A record of more than a few MiB keeps the heap above the soft limit, so
// the collector runs more often while it is in memory, and Go caps that at
// about half the CPU time. A 17 MB record took 0.9 s either way.
const (
	streamGCPercent   = 400
	streamMemoryLimit = 32 << 20
)

// tuneGC applies the settings above unless the GOGC or GOMEMLIMIT
// environment variables choose their own, and returns a function that
// restores the previous settings.
func tuneGC() (restore func()) {
	oldPercent, oldLimit := -2, int64(-1)
	if os.Getenv("GOGC") == "" {
		oldPercent = debug.SetGCPercent(streamGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		oldLimit = debug.SetMemoryLimit(streamMemoryLimit)
	}
	return func() {
		if oldPercent != -2 {
			debug.SetGCPercent(oldPercent)
		}
		if oldLimit >= 0 {
			debug.SetMemoryLimit(oldLimit)
		}
	}
}
