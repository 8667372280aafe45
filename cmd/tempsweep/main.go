// Command tempsweep lists, filters and safely deletes orphaned temporary
// files, exchanging newline-delimited JSON between its subcommands.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// With SIGPIPE ignored, a write to a closed pipe returns EPIPE instead
	// of killing the process, so a command can stop quietly with its own
	// exit code when the next one in a pipeline has stopped reading.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
