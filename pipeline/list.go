package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ListOptions configures List.
type ListOptions struct {
	// Match keeps only files whose base name matches one of these globs;
	// empty keeps every file. Exclude drops files whose base name matches
	// one of its globs. Globs use path/filepath.Match syntax and are
	// case-insensitive on Windows.
	Match, Exclude []string
	// Recursive descends into subdirectories on the same file system.
	Recursive bool
	// Host is written into every record.
	Host string
	// Now returns the listing time; time.Now when nil.
	Now func() time.Time
}

// fileStat is the metadata that a platform reports for one directory entry.
type fileStat struct {
	size                                       int64
	modTime, accessTime, changeTime, birthTime time.Time
	// fileID is the record's fileId where the platform gives it as text
	// (Windows). Where it is empty, fileId is "device:inode" (Unix).
	fileID string
	inode  uint64
	// device identifies the file system, to stop at mount points.
	device   uint64
	readOnly bool
	hidden   bool
	links    uint64
	regular  bool
	dir      bool
	// link is true for symbolic links, junctions and other reparse points.
	link bool
}

// dirEntry is one name read from a directory, with the type the directory
// listing reports, which may be unknown on some file systems.
type dirEntry struct {
	name string
	// inode is the entry's inode number where the listing gives it (Unix),
	// so that entries can be stat'ed in the order of their inodes.
	inode uint64
	// dir, regular and link describe the entry if typeKnown.
	dir, regular, link, typeKnown bool
}

// Lister walks directories and builds file records. A Lister is not safe
// for concurrent use.
type Lister struct {
	opts    ListOptions
	match   []string
	exclude []string
}

// NewLister checks the globs in opts and returns a Lister.
func NewLister(opts ListOptions) (*Lister, error) {
	l := &Lister{opts: opts}
	for _, g := range opts.Match {
		if _, err := filepath.Match(g, ""); err != nil {
			return nil, fmt.Errorf("invalid --match glob %q: %w", g, err)
		}
		l.match = append(l.match, foldGlob(g))
	}
	for _, g := range opts.Exclude {
		if _, err := filepath.Match(g, ""); err != nil {
			return nil, fmt.Errorf("invalid --exclude glob %q: %w", g, err)
		}
		l.exclude = append(l.exclude, foldGlob(g))
	}
	return l, nil
}

// RootError is an error that makes a whole root unreadable.
type RootError struct {
	Root string
	Err  error
}

func (e *RootError) Error() string { return fmt.Sprintf("read root %s: %v", e.Root, e.Err) }
func (e *RootError) Unwrap() error { return e.Err }

// List walks root and calls emit with a record for every regular file that
// the globs select, each directory's files before its subdirectories. On
// Windows the files come in the order the directory returns them. On Unix
// they come in the order of their inode numbers (see sortRunSize), which is
// the order of their metadata on disk. It never follows symbolic links, junctions or
// mount points. An entry that cannot be read is passed to warn and the walk
// goes on. List returns a *RootError when root itself cannot be read, the
// first error from emit, or ctx's error when it is cancelled.
func (l *Lister) List(ctx context.Context, root string, emit func(*FileRecord) error, warn func(error)) error {
	return l.list(ctx, root, walk{emit: emit, warn: warn})
}

// ListJSON walks root as List does, but passes emit each record as the JSON
// that FileRecord.AppendJSON writes, with the file's size. Where the platform
// stats files in parallel, the goroutines that stat them also write the JSON,
// straight from the metadata. The bytes are valid only during the call.
func (l *Lister) ListJSON(ctx context.Context, root string, emit func(record []byte, size int64) error, warn func(error)) error {
	return l.list(ctx, root, walk{emitJSON: emit, warn: warn})
}

func (l *Lister) list(ctx context.Context, root string, w walk) error {
	// An empty argument, as an unset variable gives, must not become the
	// current directory.
	if strings.TrimSpace(root) == "" {
		return &RootError{Root: root, Err: errors.New("empty directory name")}
	}
	abs, err := absRoot(root)
	if err != nil {
		return &RootError{Root: root, Err: err}
	}
	dir, err := openRootDir(abs)
	if err != nil {
		return &RootError{Root: root, Err: err}
	}
	defer dir.close()
	w.lister, w.ctx, w.root, w.device = l, ctx, abs, dir.device()
	w.host = HostForRoot(root, l.opts.Host)
	err = w.walkDir(dir, abs)
	var readErr *readDirError
	if errors.As(err, &readErr) {
		return &RootError{Root: root, Err: readErr.err}
	}
	return err
}

type walk struct {
	lister *Lister
	ctx    context.Context
	root   string
	// Either emit or emitJSON is set, by List and ListJSON.
	emit     func(*FileRecord) error
	emitJSON func(record []byte, size int64) error
	// line is emitRecord's buffer for the JSON of a record.
	line   []byte
	warn   func(error)
	device uint64
	// host is the computer the files are on.
	host string
}

// emitRecord passes rec on as List or ListJSON was asked to.
func (w *walk) emitRecord(rec *FileRecord) error {
	if w.emitJSON == nil {
		return w.emit(rec)
	}
	w.line = rec.AppendJSON(w.line[:0])
	return w.emitJSON(w.line, rec.Size)
}

// readDirError marks a failure to read a directory's entries, as opposed to
// an error from emit or the context.
type readDirError struct{ err error }

func (e *readDirError) Error() string { return e.err.Error() }

// walkDir emits the selected files of dir and then walks its subdirectories.
func (w *walk) walkDir(dir dirHandle, dirPath string) error {
	var subdirs []string
	var err error
	if batch, ok := dir.(batchStatter); ok {
		subdirs, err = w.readBatched(dir, batch, dirPath)
	} else {
		subdirs, err = w.readOneByOne(dir, dirPath)
	}
	if err != nil {
		return err
	}
	for _, name := range subdirs {
		if err := w.descend(dir, dirPath, name); err != nil {
			return err
		}
	}
	return nil
}

// readOneByOne emits the selected files of dir, stating each entry while
// readEntries passes it on, and returns the subdirectories to walk.
func (w *walk) readOneByOne(dir dirHandle, dirPath string) ([]string, error) {
	var subdirs []string
	err := dir.readEntries(func(e dirEntry) error {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if !w.needsStat(e, &subdirs) {
			return nil
		}
		st, err := dir.stat(e.name)
		if err != nil {
			w.warn(fmt.Errorf("stat %s: %w", joinPath(dirPath, e.name), err))
			return nil
		}
		switch {
		case st.link:
		case st.dir:
			if w.lister.opts.Recursive && !e.typeKnown {
				subdirs = append(subdirs, e.name)
			}
		case st.regular && w.lister.selects(e.name):
			return w.emitRecord(w.record(dirPath, e.name, st))
		}
		return nil
	})
	return subdirs, err
}

// needsStat decides what it can from the directory listing alone: it
// returns false for links, for entries that are not selected files, and for
// subdirectories, which it adds to subdirs when the walk is recursive.
// Entries whose type the listing does not give need a stat.
func (w *walk) needsStat(e dirEntry, subdirs *[]string) bool {
	if !e.typeKnown {
		return true
	}
	switch {
	case e.link:
		return false
	case e.dir:
		if w.lister.opts.Recursive {
			*subdirs = append(*subdirs, e.name)
		}
		return false
	}
	return e.regular && w.lister.selects(e.name)
}

// mountChecker is a dirHandle that reports whether it is the root of a
// mount. A bind mount of a folder from the same file system has the same
// device as its parent, so the device check alone does not stop at it.
type mountChecker interface {
	mountPoint() bool
}

func (w *walk) descend(parent dirHandle, parentPath, name string) error {
	path := joinPath(parentPath, name)
	sub, err := parent.openSubdir(name)
	if err != nil {
		w.warn(fmt.Errorf("open directory %s: %w", path, err))
		return nil
	}
	defer sub.close()
	if sub.device() != w.device {
		return nil
	}
	if m, ok := sub.(mountChecker); ok && m.mountPoint() {
		return nil
	}
	err = w.walkDir(sub, path)
	var readErr *readDirError
	if errors.As(err, &readErr) {
		w.warn(fmt.Errorf("read directory %s: %w", path, readErr.err))
		return nil
	}
	return err
}

// now returns the time at which an entry is listed.
func (w *walk) now() time.Time {
	if w.lister.opts.Now != nil {
		return w.lister.opts.Now()
	}
	return time.Now()
}

// ageSeconds is the whole seconds from modTime to listedAt, rounded toward
// zero as a time.Duration division would. It is computed from the Unix
// seconds, so a modification time centuries away does not overflow the
// 292 years that a time.Duration holds.
func ageSeconds(listedAt, modTime time.Time) int64 {
	seconds := listedAt.Unix() - modTime.Unix()
	nanos := listedAt.Nanosecond() - modTime.Nanosecond()
	switch {
	case seconds > 0 && nanos < 0:
		seconds--
	case seconds < 0 && nanos > 0:
		seconds++
	}
	return seconds
}

func (w *walk) record(dirPath, name string, st fileStat) *FileRecord {
	listedAt := w.now()
	path := joinPath(dirPath, name)
	rec := &FileRecord{
		Type:     "file",
		Path:     path,
		Root:     w.root,
		Name:     name,
		Ext:      filepath.Ext(name),
		Size:     st.size,
		Age:      ageSeconds(listedAt, st.modTime),
		Host:     w.host,
		FileID:   st.id(),
		ReadOnly: st.readOnly,
		Hidden:   st.hidden,
		Links:    st.links,
	}
	if !utf8.ValidString(path) {
		rec.PathBytes = []byte(path)
		rec.Path = strings.ToValidUTF8(path, "\uFFFD")
		rec.Name = strings.ToValidUTF8(name, "\uFFFD")
		rec.Ext = strings.ToValidUTF8(rec.Ext, "\uFFFD")
		rec.Root = strings.ToValidUTF8(rec.Root, "\uFFFD")
	}
	setRecordTimes(rec, st, listedAt)
	return rec
}

// setRecordTimes formats the record's times into one string and slices it,
// which saves an allocation per time. A time equal to an earlier one, as the
// access, change and birth times often are, reuses that one's text.
func setRecordTimes(rec *FileRecord, st fileStat, listedAt time.Time) {
	times := [...]time.Time{st.modTime, listedAt, st.accessTime, st.changeTime, st.birthTime}
	fields := [...]*string{&rec.ModTime, &rec.ListedAt, &rec.AccessTime, &rec.ChangeTime, &rec.BirthTime}
	// spans[k] locates times[k] in text; the optional times, from index
	// 2 on, have an empty span when the platform does not report them.
	var spans [len(times)][2]int
	var storage [len(times) * 32]byte
	text := storage[:0]
	for k, t := range times {
		if k >= 2 && t.IsZero() {
			continue
		}
		spans[k] = [2]int{-1, -1}
		for j := range k {
			if times[j].Equal(t) {
				spans[k] = spans[j]
				break
			}
		}
		if spans[k][0] < 0 {
			start := len(text)
			text = appendTime(text, t)
			spans[k] = [2]int{start, len(text)}
		}
	}
	all := string(text)
	for k, span := range spans {
		*fields[k] = all[span[0]:span[1]]
	}
}

// id returns the file's fileId.
func (st *fileStat) id() string {
	if st.fileID != "" {
		return st.fileID
	}
	return string(st.appendUnixID(nil))
}

// appendUnixID appends "device:inode" in decimal.
func (st *fileStat) appendUnixID(dst []byte) []byte {
	dst = strconv.AppendUint(dst, st.device, 10)
	dst = append(dst, ':')
	return strconv.AppendUint(dst, st.inode, 10)
}

func (l *Lister) selects(name string) bool {
	folded := foldName(name)
	if len(l.match) > 0 && !matchAny(l.match, folded) {
		return false
	}
	return !matchAny(l.exclude, folded)
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := filepath.Match(g, name); ok {
			return true
		}
	}
	return false
}

// HostForRoot returns the server of a Windows UNC root (\\server\share\... or
// \\?\UNC\server\share\...), whose files are on that server, and local for
// any other root.
func HostForRoot(root, local string) string {
	if runtime.GOOS != "windows" {
		return local
	}
	rest, ok := strings.CutPrefix(root, `\\?\UNC\`)
	if !ok {
		if strings.HasPrefix(root, `\\?\`) || strings.HasPrefix(root, `\\.\`) {
			return local
		}
		rest, ok = strings.CutPrefix(root, `\\`)
	}
	if !ok {
		return local
	}
	server, _, _ := strings.Cut(rest, `\`)
	if server == "" {
		return local
	}
	return server
}
