// Command tempsweep lists, filters and safely deletes orphaned temporary
// files, exchanging newline-delimited JSON between its subcommands.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
