package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tempsweep/tempsweep/jsonio"
	"github.com/tempsweep/tempsweep/pipeline"
)

type checkServicesFlags struct {
	computer  string
	require   string
	missingOK bool
	input     string
}

func (a *app) newCheckServicesCommand() *cobra.Command {
	var f checkServicesFlags
	states := make([]string, len(pipeline.ServiceStates))
	for i, s := range pipeline.ServiceStates {
		states[i] = string(s)
	}
	cmd := &cobra.Command{
		Use:   "check-services [--computer HOST] [--require STATE] [--missing-ok] NAME...",
		Short: "Report services, or pass records on only while services are in a state",
		Long: `Without --require, check-services writes one service record per NAME:
type, name, displayName, state and host. States: ` + strings.Join(states, ", ") + `.
A NAME that does not exist is reported as not-found and the exit code is 1
unless --missing-ok is given.

With --require STATE it is a gate: when every NAME is in STATE it copies
its input to stdout unchanged; otherwise it writes nothing, names each
service and its state on stderr, and exits with code 3. The gate checks
once, before it reads any input. It fails closed: a service that does not
exist (unless --missing-ok), a failure to ask, or no service manager at all
closes it. Use delete --require-stopped to keep checking while files are
deleted.

On Windows it asks the Service Control Manager for query rights only, on
this computer or on --computer; NAME may be a key name (W3SVC) or a display
name. On Linux it asks systemd through systemctl.`,
		Example: `  tempsweep check-services W3SVC WLBS
  tempsweep check-services --computer web1 W3SVC
  ... | tempsweep check-services --require stopped W3SVC WLBS | tempsweep delete --root D:\Webtemp`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.require != "" {
				return a.runGate(args, f)
			}
			return a.runServiceReport(args, f)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&f.computer, "computer", "", "ask the service manager of `HOST` instead of this computer")
	flags.StringVar(&f.require, "require", "", "pass input on only if every service is in `STATE`")
	flags.BoolVar(&f.missingOK, "missing-ok", false, "count a service that does not exist as satisfying the check")
	flags.StringVarP(&f.input, "input", "i", "", "with --require, read records from `FILE` instead of stdin")
	return cmd
}

func (a *app) runServiceReport(names []string, f checkServicesFlags) error {
	manager, err := pipeline.OpenServiceManager(f.computer)
	if err != nil {
		return fatalError(err)
	}
	defer manager.Close()
	sink := a.newSink()
	missing := 0
	for _, name := range names {
		rec, err := manager.Query(a.ctx, name)
		if err != nil {
			return a.finishOutput(sink, a.newReporter("services"), fatalError(err))
		}
		if rec.State == pipeline.StateNotFound && !f.missingOK {
			missing++
			fmt.Fprintf(a.stderr, "tempsweep: check-services: service %s not found\n", name)
		}
		if err := sink.writeValue(rec); err != nil {
			return a.finishOutput(sink, a.newReporter("services"), err)
		}
	}
	if err := a.finishOutput(sink, a.newReporter("services"), nil); err != nil {
		return err
	}
	if missing > 0 {
		return silentExit(exitIncomplete)
	}
	return nil
}

func (a *app) runGate(names []string, f checkServicesFlags) error {
	state, err := parseState(f.require)
	if err != nil {
		return err
	}
	in, closeInput, err := a.openInput(f.input)
	if err != nil {
		return err
	}
	defer closeInput()
	manager, err := pipeline.OpenServiceManager(f.computer)
	if err == nil {
		defer manager.Close()
		err = pipeline.RequireState(a.ctx, manager, names, state, f.missingOK)
	}
	if err != nil {
		return &exitError{code: exitGateClosed, err: fmt.Errorf("gate closed, nothing passed on: %w", err)}
	}
	if f.input == "" && a.stdinTerminal {
		return nil
	}
	if _, err := io.Copy(a.stdout, in); err != nil && !jsonio.IsClosedPipe(err) {
		return fatalError(fmt.Errorf("copy input: %w", err))
	}
	return nil
}

func parseState(s string) (pipeline.ServiceState, error) {
	for _, state := range pipeline.ServiceStates {
		if strings.EqualFold(s, string(state)) {
			return state, nil
		}
	}
	var names []string
	for _, state := range pipeline.ServiceStates {
		names = append(names, string(state))
	}
	return "", usageError("invalid --require %q: use one of %s", s, strings.Join(names, ", "))
}
