//go:build !linux

package pipeline

// openFileSet is empty on systems without /proc. On Windows a file that
// another process has open without sharing deletion fails to open for
// deletion, and that failure is reported as locked instead.
type openFileSet struct{}

func newOpenFileSet() *openFileSet { return &openFileSet{} }

func (s *openFileSet) invalidate() {}

func (s *openFileSet) holder(dev, ino uint64) (int, bool, error) { return 0, false, nil }
