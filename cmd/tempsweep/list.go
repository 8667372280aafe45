package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"
	"github.com/tempsweep/tempsweep/jsonio"
	"github.com/tempsweep/tempsweep/pipeline"
)

func (a *app) newListCommand() *cobra.Command {
	var opts pipeline.ListOptions
	cmd := &cobra.Command{
		Use:   "list [--match GLOB]... [--exclude GLOB]... [--recursive] DIR...",
		Short: "Write a record for every regular file in the directories",
		Long: `list writes one file record per regular file found in each DIR. Globs
match the file's name (case-insensitively on Windows). list never follows
symbolic links, junctions or mount points. An entry that cannot be read is
reported on stderr and the walk goes on; a DIR that cannot be read ends
with exit code 4 after the other DIRs are listed.

Record fields: type, path, pathBytes (only for names that are not UTF-8),
root, name, ext, size, modTime, accessTime, changeTime, birthTime, age
(seconds since modTime), listedAt, host, fileId, readOnly, hidden, links.`,
		Example: `  tempsweep list --match '*.mmp' 'C:\Exchsrvr\Webtemp'
  tempsweep list --recursive --exclude '*.lock' /var/tmp/app`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runList(args, opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Match, "match", nil, "list only files whose name matches `GLOB` (repeatable)")
	cmd.Flags().StringArrayVar(&opts.Exclude, "exclude", nil, "skip files whose name matches `GLOB` (repeatable)")
	cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "r", false, "descend into subdirectories on the same file system")
	return cmd
}

func (a *app) runList(roots []string, opts pipeline.ListOptions) error {
	opts.Host, _ = os.Hostname()
	lister, err := pipeline.NewLister(opts)
	if err != nil {
		return usageError("%v", err)
	}
	defer tuneGC()()
	sink := a.newSink()
	rep := a.newReporter("files")
	warnings := 0
	warn := func(err error) {
		warnings++
		rep.warn("tempsweep: list: %v", err)
	}
	emit := func(record []byte, size int64) error {
		rep.add("listed", size)
		return sink.writeCompact(record)
	}
	var rootErr error
	for _, root := range roots {
		err := lister.ListJSON(a.ctx, root, emit, warn)
		var re *pipeline.RootError
		switch {
		case errors.As(err, &re):
			rep.warn("tempsweep: list: %v", err)
			rootErr = silentExit(exitFatal)
		case err != nil:
			return a.finishOutput(sink, rep, err)
		}
	}
	if err := a.finishOutput(sink, rep, nil); err != nil {
		return err
	}
	if rootErr != nil {
		return rootErr
	}
	if warnings > 0 {
		return silentExit(exitIncomplete)
	}
	return nil
}

// finishOutput flushes the output and prints the summary. A closed stdout
// is a normal end; an interruption exits 130; other write errors are fatal.
func (a *app) finishOutput(sink recordSink, rep *reporter, err error) error {
	if err == nil {
		err = sink.flush()
	}
	rep.finish(a.command)
	switch {
	case err == nil:
		return a.interrupted()
	case jsonio.IsClosedPipe(err):
		return nil
	case errors.Is(err, a.ctx.Err()):
		return silentExit(exitInterrupted)
	}
	var exit *exitError
	if errors.As(err, &exit) {
		return err
	}
	return fatalError(err)
}
