package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// streams are the standard streams of one run, injected so that tests run
// the whole command in-process.
type streams struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// The terminal flags decide between tables and NDJSON, and whether
	// progress is shown. They are read from the real files in run.
	stdinTerminal, stdoutTerminal, stderrTerminal bool
	// stdoutConsole is true when stdout is a Windows console, which decides
	// whether --ascii is on by default.
	stdoutConsole bool
}

// globalOptions are the flags that every command takes.
type globalOptions struct {
	output  string
	ascii   bool
	verbose bool
	// asciiSet records whether --ascii was given, since its default depends
	// on the platform and on stdout.
	asciiSet bool
}

// app is one run of tempsweep.
type app struct {
	streams
	opts globalOptions
	ctx  context.Context
	// command is the subcommand's name, for messages.
	command string
	// inputEncoding is --input-encoding: empty to detect it.
	inputEncoding string
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := streams{stdin: stdin, stdout: stdout, stderr: stderr}
	s.stdinTerminal = isTerminal(stdin)
	s.stdoutTerminal = isTerminal(stdout)
	s.stderrTerminal = isTerminal(stderr)
	s.stdoutConsole = runtime.GOOS == "windows" && isConsole(stdout)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return runWithStreams(ctx, args, s)
}

// runWithStreams runs one command line and returns its exit code. It prints
// the error, if any, once, prefixed with the program and command name.
func runWithStreams(ctx context.Context, args []string, s streams) int {
	a := &app{streams: s, ctx: ctx}
	root := a.newRootCommand()
	root.SetArgs(joinPairFlags(args))
	root.SetIn(s.stdin)
	root.SetOut(s.stdout)
	root.SetErr(s.stderr)
	err := root.ExecuteContext(ctx)
	code := exitCodeOf(err)
	if err != nil && err.Error() != "" {
		prefix := "tempsweep: "
		if a.command != "" {
			prefix += a.command + ": "
		}
		fmt.Fprintf(s.stderr, "%s%v\n", prefix, err)
		if code == exitUsage && a.command != "" {
			fmt.Fprintf(s.stderr, "Run 'tempsweep %s --help' for usage.\n", a.command)
		}
	}
	return code
}

func (a *app) newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "tempsweep",
		Short: "List, filter and safely delete orphaned temporary files",
		Long: `tempsweep finds orphaned temporary files and deletes them safely. Its
subcommands exchange newline-delimited JSON records, so they compose in
PowerShell, cmd and Unix shells, with jq filters in between:

  tempsweep list --match '*.mmp' /srv/webtemp |
    tempsweep filter 'select(.age > 86400)' |
    tempsweep check-services --require stopped W3SVC WLBS |
    tempsweep delete --root /srv/webtemp

` + exitCodeHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.command = cmd.Name()
			a.opts.asciiSet = cmd.Flags().Changed("ascii")
			switch a.opts.output {
			case "", "ndjson", "table":
				return nil
			}
			return usageError("invalid --output %q: use ndjson or table", a.opts.output)
		},
	}
	root.CompletionOptions.HiddenDefaultCmd = false
	flags := root.PersistentFlags()
	flags.StringVar(&a.opts.output, "output", "", "output format: ndjson or table (default: table on a terminal, ndjson otherwise)")
	flags.BoolVar(&a.opts.ascii, "ascii", false, "escape every non-ASCII character in JSON output as \\uXXXX (default on for Windows when stdout is not a console)")
	flags.StringVar(&a.inputEncoding, "input-encoding", "", "encoding of input without a BOM: utf-8, utf-16le, utf-16be, windows-1252 or latin1 (default: detect)")
	flags.BoolVarP(&a.opts.verbose, "verbose", "v", false, "print a summary on stderr even when it is not a terminal")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		a.command = cmd.Name()
		if cmd == root {
			a.command = ""
		}
		return usageError("%v", err)
	})
	root.AddCommand(a.newListCommand(), a.newFilterCommand(), a.newCheckServicesCommand(), a.newDeleteCommand())
	for _, cmd := range root.Commands() {
		if cmd.Long != "" {
			cmd.Long += "\n\n" + exitCodeHelp
		}
	}
	root.SetHelpCommand(&cobra.Command{Hidden: true})
	return root
}

// joinPairFlags rewrites jq's two-value flags "--arg NAME VALUE" and
// "--argjson NAME JSON" into "--arg NAME=VALUE", which the flag parser
// takes as one value. Arguments after "--" are left alone.
func joinPairFlags(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(out, args[i:]...)
		}
		if (arg == "--arg" || arg == "--argjson") && i+2 < len(args) && !strings.Contains(args[i+1], "=") {
			out = append(out, arg, args[i+1]+"="+args[i+2])
			i += 2
			continue
		}
		out = append(out, arg)
	}
	return out
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// isConsole reports whether v is a Windows console, which Cygwin and mintty
// terminals are not: they are pipes that decode UTF-8.
func isConsole(v any) bool {
	f, ok := v.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}

// openInput returns the command's input: the file named by -i, or stdin.
func (a *app) openInput(path string) (io.Reader, func(), error) {
	if path == "" || path == "-" {
		return a.stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fatalError(fmt.Errorf("open input: %w", err))
	}
	return f, func() { f.Close() }, nil
}

// interrupted converts a cancelled context into exit code 130.
func (a *app) interrupted() error {
	if errors.Is(a.ctx.Err(), context.Canceled) {
		return silentExit(exitInterrupted)
	}
	return nil
}
