package pipeline

// dirHandle is an open directory. Every platform reads entries, stats them
// and opens subdirectories relative to the open handle, without following
// links, so that a path is never resolved again by name.
type dirHandle interface {
	// readEntries calls fn for each entry. A failure to read the directory
	// is returned as a *readDirError; an error from fn is returned as is.
	readEntries(fn func(dirEntry) error) error
	stat(name string) (fileStat, error)
	// openSubdir opens a subdirectory, failing if name is a link.
	openSubdir(name string) (dirHandle, error)
	// device identifies the file system the directory is on.
	device() uint64
	close() error
}
