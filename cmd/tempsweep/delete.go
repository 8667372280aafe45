package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/spf13/cobra"
	"github.com/tempsweep/tempsweep/jsonio"
	"github.com/tempsweep/tempsweep/pipeline"
)

type deleteFlags struct {
	opts     pipeline.DeleteOptions
	whatIf   bool
	computer string
	log      string
	input    string
}

func (a *app) newDeleteCommand() *cobra.Command {
	var f deleteFlags
	cmd := &cobra.Command{
		Use:   "delete --root DIR [--root DIR]... [--dry-run] [--force] [--on-locked skip|reboot] [--require-stopped NAME]... [--computer HOST] [--log FILE] [-i FILE]",
		Short: "Delete the files that records name, when it is safe",
		Long: `delete reads file records (from list, filter, or PowerShell objects with
FullName, Length and LastWriteTimeUtc) and deletes each file only when all
of these hold:

  - the path lies inside a --root (case-insensitively on Windows);
  - no component of the path below the root is a link, junction or mount
    point: the path is resolved from the root without following links;
  - the entry is still a regular file with the record's fileId (when the
    record has one), size and modTime, compared at the record's precision;
  - no process has it open (Linux) and it is not locked (Windows);
  - it is not read-only, unless --force is given;
  - every --require-stopped service is stopped, checked right before the
    first deletion and again every 2 seconds.

Each record is written back with "action" (deleted, would-delete, skipped,
failed, scheduled) and, when not deleted, "reason" and "error". Reasons:
outside-root, changed, not-found, not-regular, link-in-path, open, locked,
read-only, denied, needs-admin, service-running, invalid-record, error.
The output of --dry-run is valid input for delete. When a required service
is not stopped before the first deletion, every record is skipped and the
exit code is 3; when one starts during the run, the rest are skipped.`,
		Example: `  tempsweep list --match '*.mmp' D:\Webtemp | tempsweep delete --root D:\Webtemp --dry-run
  tempsweep delete --root /var/tmp/app --require-stopped app.service --log /var/log/tempsweep.log -i old.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.whatIf {
				f.opts.DryRun = true
			}
			return a.runDelete(f)
		},
	}
	flags := cmd.Flags()
	flags.StringArrayVar(&f.opts.Roots, "root", nil, "delete only below `DIR` (repeatable; required)")
	flags.BoolVar(&f.opts.DryRun, "dry-run", false, "check everything and report would-delete, but delete nothing")
	flags.BoolVar(&f.whatIf, "what-if", false, "same as --dry-run")
	flags.BoolVar(&f.opts.Force, "force", false, "delete read-only files too")
	flags.StringVar(&f.opts.OnLocked, "on-locked", "skip", "what to do with a locked file: skip, or reboot to delete it at the next restart (Windows)")
	flags.StringArrayVar(&f.opts.RequireStopped, "require-stopped", nil, "delete only while service `NAME` is stopped (repeatable)")
	flags.StringVar(&f.computer, "computer", "", "ask the service manager of `HOST` for --require-stopped")
	flags.StringVar(&f.log, "log", "", "append every output record to `FILE` as NDJSON")
	flags.StringVarP(&f.input, "input", "i", "", "read records from `FILE` instead of stdin")
	return cmd
}

func (a *app) runDelete(f deleteFlags) error {
	if len(f.opts.Roots) == 0 {
		return usageError("--root is required: name the directory that files may be deleted from")
	}
	if f.opts.OnLocked != "skip" && f.opts.OnLocked != "reboot" {
		return usageError("invalid --on-locked %q: use skip or reboot", f.opts.OnLocked)
	}
	if len(f.opts.RequireStopped) > 0 {
		manager, err := pipeline.OpenServiceManager(f.computer)
		if err != nil {
			manager = failingManager{err: err}
		}
		defer manager.Close()
		f.opts.Services = manager
	}
	deleter, err := pipeline.NewDeleter(f.opts)
	if err != nil {
		var re *pipeline.RootError
		if errors.As(err, &re) {
			return fatalError(err)
		}
		return usageError("%v", err)
	}
	defer deleter.Close()
	defer tuneGC()()
	in, closeInput, err := a.openInput(f.input)
	if err != nil {
		return err
	}
	defer closeInput()
	var log *jsonio.Writer
	if f.log != "" {
		logFile, err := os.OpenFile(f.log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fatalError(fmt.Errorf("open log: %w", err))
		}
		defer logFile.Close()
		log = jsonio.NewWriter(logFile, jsonio.WriterOptions{})
	}

	shrinkPipe(a.stdout)
	sink := a.newSink()
	rep := a.newReporter("records")
	incomplete := 0
	emit := func(r *deleteResult) error {
		if r.out.Reason == pipeline.ReasonInvalidRecord {
			rep.warn("tempsweep: delete: line %d: invalid record: %v", r.line, r.out.Err)
		}
		rep.add(string(r.out.Action), r.out.Size)
		switch r.out.Action {
		case pipeline.ActionSkipped, pipeline.ActionFailed:
			incomplete++
		}
		if r.json == nil {
			// A value that is not an object is reported, not written.
			return nil
		}
		if log != nil {
			if err := log.WriteCompact(r.json); err != nil {
				return fatalError(fmt.Errorf("write log: %w", err))
			}
		}
		return sink.writeCompact(r.json)
	}
	var results []deleteResult
	invalid, err := a.readObjects(in, rep, func(run []parsedObject) error {
		for start := 0; start < len(run); start += deleteWindow {
			part := run[start:min(start+deleteWindow, len(run))]
			if cap(results) < len(part) {
				results = make([]deleteResult, deleteWindow)
			}
			results = results[:len(part)]
			stopErr := a.deleteParallel(deleter, part, results)
			for k := range results {
				if results[k].done {
					if err := emit(&results[k]); err != nil {
						return err
					}
				}
			}
			if log != nil {
				if err := log.Flush(); err != nil {
					return fatalError(fmt.Errorf("write log: %w", err))
				}
			}
			// Flushing each window lets delete notice soon that no reader
			// takes its report any more, and stop deleting.
			if err := sink.flush(); err != nil {
				return err
			}
			if stopErr != nil {
				return stopErr
			}
		}
		return nil
	})
	if errors.Is(err, errReaderGone) {
		err = nil
	}
	if err := a.finishOutput(sink, rep, err); err != nil {
		return err
	}
	switch {
	case deleter.GateClosedEarly():
		fmt.Fprintf(a.stderr, "tempsweep: delete: nothing deleted: a required service is not stopped\n")
		return silentExit(exitGateClosed)
	case invalid+incomplete > 0:
		return silentExit(exitIncomplete)
	}
	return nil
}

// errReaderGone stops delete when the reader of its report has gone away.
var errReaderGone = errors.New("output closed")

// deleteWindow is how many records delete works on at once, on every core.
// Their reports are written together when all are done, so a reader that
// goes away stops delete within about this many files, and the pipe page.
const deleteWindow = 16

// deleteResult is the outcome of one record of a window.
type deleteResult struct {
	// done is false for a record that was not handled because delete
	// stopped first.
	done bool
	line int
	out  pipeline.Outcome
	// json is the record with the outcome added.
	json []byte
}

// deleteParallel handles the records of part on one goroutine per core,
// each taking the next record not yet taken, so that files are deleted
// in about the order of the records. It returns the error that stopped it
// early: an interruption, or errReaderGone.
func (a *app) deleteParallel(deleter *pipeline.Deleter, part []parsedObject, results []deleteResult) error {
	var next atomic.Int64
	var stopErr atomic.Pointer[error]
	work := func() {
		for stopErr.Load() == nil {
			k := int(next.Add(1)) - 1
			if k >= len(part) {
				return
			}
			r := &results[k]
			if err := a.interrupted(); err != nil {
				stopErr.CompareAndSwap(nil, &err)
				return
			}

			p := &part[k]
			r.line = p.line
			if p.parseErr != nil {
				r.out = pipeline.Outcome{Action: pipeline.ActionSkipped, Reason: pipeline.ReasonInvalidRecord, Err: p.parseErr}
				r.json, r.done = nil, true
				continue
			}

			r.out = deleter.Process(a.ctx, p.obj)
			setOutcome(&p.obj, r.out)
			r.json = p.obj.AppendJSON(r.json[:0])
			r.done = true
		}
	}
	for k := range results {
		results[k].done = false
	}
	if readerGone(a.stdout) {
		return errReaderGone
	}

	workers := min(runtime.GOMAXPROCS(0), len(part))
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	if err := stopErr.Load(); err != nil {
		return *err
	}
	return nil
}

// setOutcome replaces any earlier action, reason and error in the record
// with the outcome, so that a dry run's output can be fed back to delete.
func setOutcome(obj *jsonio.Object, out pipeline.Outcome) {
	obj.Delete("action")
	obj.Delete("reason")
	obj.Delete("error")
	obj.Set("action", quoteCode(string(out.Action)))
	if out.Reason != "" {
		obj.Set("reason", quoteCode(string(out.Reason)))
	}
	if out.Err != nil {
		obj.Set("error", mustJSON(out.Err.Error()))
	}
}

// quoteCode quotes an action or reason code, which are lowercase words
// joined by '-' and so need no escapes, without encoding/json's reflection.
func quoteCode(code string) json.RawMessage {
	for _, c := range []byte(code) {
		if (c < 'a' || c > 'z') && c != '-' {
			return mustJSON(code)
		}
	}
	quoted := make(json.RawMessage, 0, len(code)+2)
	quoted = append(quoted, '"')
	quoted = append(quoted, code...)
	return append(quoted, '"')
}

func mustJSON(s string) json.RawMessage {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return b
}

// failingManager replaces a service manager that could not be opened,
// so that every check fails closed with the reason.
type failingManager struct{ err error }

func (m failingManager) Query(ctx context.Context, name string) (pipeline.ServiceRecord, error) {
	return pipeline.ServiceRecord{}, m.err
}

func (m failingManager) Close() error { return nil }
