package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tempsweep/tempsweep/jsonio"
)

// DeleteOptions configures a Deleter.
type DeleteOptions struct {
	// Roots are the directories that files may be deleted from.
	Roots []string
	// DryRun runs every check and reports would-delete instead of deleting.
	DryRun bool
	// Force deletes read-only files too.
	Force bool
	// OnLocked is "skip" (the default) or "reboot", which schedules a file
	// that another process has locked for deletion at the next restart.
	OnLocked string
	// RequireStopped names services that must be stopped for any file to be
	// deleted. Services is queried for them and must be set when RequireStopped
	// is not empty.
	RequireStopped []string
	Services       ServiceManager
	// RecheckInterval is how often the services are asked again during a
	// run; 2 seconds when zero.
	RecheckInterval time.Duration
}

// Outcome is the result of delete for one record.
type Outcome struct {
	Action Action
	Reason Reason
	// Err explains a skip or a failure for people.
	Err error
	// Size is the file's size in bytes, for the summary.
	Size int64
}

// Deleter deletes the files that records name, when every safety check
// holds. Process may be called from several goroutines at once.
type Deleter struct {
	opts  DeleteOptions
	roots []*openRoot
	// mu guards the fields below it. checkServices holds it during the
	// service query, so that no file is deleted meanwhile on the strength
	// of the previous result.
	mu sync.Mutex
	// lastServiceCheck is when the services were last asked; zero before the
	// first check. serviceErr is set once a service is found running and
	// stays set for the rest of the run.
	lastServiceCheck time.Time
	serviceErr       error
	deletedAny       bool
	gateClosedEarly  bool
	openFiles        *openFileSet
}

type openRoot struct {
	path   string
	folded string
	handle deleteRoot
}

// NewDeleter opens every root. A root that cannot be opened as a directory
// is an error.
func NewDeleter(opts DeleteOptions) (*Deleter, error) {
	if len(opts.Roots) == 0 {
		return nil, errors.New("no --root given")
	}
	if len(opts.RequireStopped) > 0 && opts.Services == nil {
		return nil, errors.New("services to require stopped but no service manager")
	}
	switch opts.OnLocked {
	case "":
		opts.OnLocked = "skip"
	case "skip", "reboot":
	default:
		return nil, fmt.Errorf("invalid --on-locked %q: use skip or reboot", opts.OnLocked)
	}
	if opts.RecheckInterval <= 0 {
		opts.RecheckInterval = 2 * time.Second
	}
	d := &Deleter{opts: opts, openFiles: newOpenFileSet()}
	for _, root := range opts.Roots {
		if strings.TrimSpace(root) == "" {
			d.Close()
			return nil, errors.New("empty --root: name the directory that files may be deleted from")
		}
		abs, err := absRoot(root)
		if err != nil {
			d.Close()
			return nil, &RootError{Root: root, Err: err}
		}
		handle, err := openDeleteRoot(abs)
		if err != nil {
			d.Close()
			return nil, &RootError{Root: root, Err: err}
		}
		d.roots = append(d.roots, &openRoot{path: abs, folded: foldPath(abs), handle: handle})
	}
	return d, nil
}

// Close releases the roots' handles.
func (d *Deleter) Close() {
	for _, r := range d.roots {
		r.handle.close()
	}
	d.roots = nil
}

// GateClosedEarly reports whether a required service was found not stopped
// before any file was deleted, so that nothing was deleted because of it.
func (d *Deleter) GateClosedEarly() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gateClosedEarly
}

// Process checks the record and deletes its file if every check holds.
// obj is the record; the caller adds the outcome to it.
func (d *Deleter) Process(ctx context.Context, obj jsonio.Object) Outcome {
	t, err := parseTarget(obj)
	if err != nil {
		return Outcome{Action: ActionSkipped, Reason: ReasonInvalidRecord, Err: err}
	}
	root, rel, reason, err := d.locate(t.path)
	if err != nil {
		return Outcome{Action: ActionSkipped, Reason: reason, Err: err, Size: t.size}
	}
	check := func() error { return d.checkServices(ctx) }
	out := root.handle.remove(rel, t, removeRequest{
		dryRun:      d.opts.DryRun,
		force:       d.opts.Force,
		onLocked:    d.opts.OnLocked,
		openFiles:   d.openFiles,
		beforeFinal: check,
	})
	out.Size = t.size
	if out.Reason == ReasonNotFound && strings.ContainsRune(t.path, '?') {
		out.Err = fmt.Errorf("%w (the path contains '?', which Windows PowerShell 5.1 writes for characters "+
			"it cannot encode when it pipes text to a program: set $OutputEncoding to UTF-8 first)", out.Err)
	}
	if out.Action == ActionDeleted || out.Action == ActionScheduled {
		d.mu.Lock()
		d.deletedAny = true
		d.mu.Unlock()
	}
	return out
}

// errServiceRunning marks an outcome decided by the service check.
type errServiceRunning struct{ err error }

func (e *errServiceRunning) Error() string { return e.err.Error() }
func (e *errServiceRunning) Unwrap() error { return e.err }

// checkServices queries the required services again when the recheck interval
// has passed. Once one is found running, every later file is skipped.
func (d *Deleter) checkServices(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.serviceErr != nil {
		return d.serviceErr
	}
	if len(d.opts.RequireStopped) == 0 {
		return nil
	}
	now := time.Now()
	if !d.lastServiceCheck.IsZero() && now.Sub(d.lastServiceCheck) < d.opts.RecheckInterval {
		return nil
	}
	d.openFiles.invalidate()
	err := RequireState(ctx, d.opts.Services, d.opts.RequireStopped, StateStopped, false)
	// The interval counts from the end of the query, so that workers that
	// waited for a slow query do not each query again.
	d.lastServiceCheck = time.Now()
	if err != nil {
		d.serviceErr = &errServiceRunning{err: err}
		if !d.deletedAny {
			d.gateClosedEarly = true
		}
		return d.serviceErr
	}
	return nil
}

// locate finds the root that contains path and splits the rest of the path
// into its components.
func (d *Deleter) locate(path string) (*openRoot, []string, Reason, error) {
	if !filepath.IsAbs(path) {
		return nil, nil, ReasonInvalidRecord, fmt.Errorf("path %q is not absolute", path)
	}
	if hasDotDot(path) {
		return nil, nil, ReasonOutsideRoot, fmt.Errorf("path %q contains \"..\"", path)
	}
	clean := cleanRecordPath(path)
	folded := foldPath(clean)
	var best *openRoot
	for _, r := range d.roots {
		if folded == r.folded {
			return nil, nil, ReasonNotRegular, fmt.Errorf("path %q is the root directory itself", path)
		}
		prefix := r.folded
		if !strings.HasSuffix(prefix, string(filepath.Separator)) {
			prefix += string(filepath.Separator)
		}
		if strings.HasPrefix(folded, prefix) && (best == nil || len(r.folded) > len(best.folded)) {
			best = r
		}
	}
	if best == nil {
		return nil, nil, ReasonOutsideRoot, fmt.Errorf("path %q is not inside any --root", path)
	}
	rest := strings.TrimLeft(clean[len(best.path):], string(filepath.Separator))
	return best, strings.Split(rest, string(filepath.Separator)), "", nil
}

func hasDotDot(path string) bool {
	for _, part := range strings.FieldsFunc(path, isSeparator) {
		if part == ".." {
			return true
		}
	}
	return false
}

// RequireState queries manager for every named service and returns an error
// naming each one that is not in state. A service that does not exist fails
// unless missingOK is set, and a failure to ask fails too.
func RequireState(ctx context.Context, manager ServiceManager, names []string, state ServiceState, missingOK bool) error {
	var problems []string
	for _, name := range names {
		rec, err := manager.Query(ctx, name)
		if errors.Is(err, ErrNoServiceManager) {
			return err
		}
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: state unknown: %v", name, err))
		case rec.State == state:
		case rec.State == StateNotFound && missingOK:
		case rec.State == StateNotFound:
			problems = append(problems, fmt.Sprintf("%s: not found", name))
		default:
			problems = append(problems, fmt.Sprintf("%s is %s, not %s", name, rec.State, state))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// deleteRoot is an open --root. Each platform resolves a record's path from
// the root's handle, one component at a time, without following links.
type deleteRoot interface {
	// remove checks the file at rel (the path's components below the root)
	// against t and req, and deletes it unless req.dryRun is set.
	remove(rel []string, t target, req removeRequest) Outcome
	close() error
}

// removeRequest carries the run's settings into a platform's remove.
type removeRequest struct {
	dryRun, force bool
	onLocked      string
	openFiles     *openFileSet
	// beforeFinal runs after every check of the file has passed and right
	// before the deletion; an error from it skips the file.
	beforeFinal func() error
}

// finalCheck runs req.beforeFinal and turns its error into an outcome.
func (req removeRequest) finalCheck() (Outcome, bool) {
	if err := req.beforeFinal(); err != nil {
		return Outcome{Action: ActionSkipped, Reason: ReasonServiceRunning, Err: err}, false
	}
	if req.dryRun {
		return Outcome{Action: ActionWouldDelete}, false
	}
	return Outcome{}, true
}

// checkIdentity compares the file system's metadata with the record's fields
// (fileId, size, modTime), at the precision of the record's time.
func checkIdentity(t target, fileID string, size int64, modTime time.Time) error {
	var diffs []string
	if t.fileID != "" && !strings.EqualFold(t.fileID, fileID) {
		diffs = append(diffs, fmt.Sprintf("fileId is %s, record has %s", fileID, t.fileID))
	}
	if size != t.size {
		diffs = append(diffs, fmt.Sprintf("size is %d, record has %d", size, t.size))
	}
	if !truncateToDigits(modTime, t.modDigits).Equal(t.modTime) {
		diffs = append(diffs, fmt.Sprintf("modTime is %s, record has %s",
			formatTime(truncateToDigits(modTime, t.modDigits)), formatTime(t.modTime)))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("file changed since it was listed: %s", strings.Join(diffs, ", "))
	}
	return nil
}

func skipped(reason Reason, format string, args ...any) Outcome {
	return Outcome{Action: ActionSkipped, Reason: reason, Err: fmt.Errorf(format, args...)}
}
