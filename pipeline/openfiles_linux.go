package pipeline

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// openFileSet is the set of files that some process has open, read from
// /proc/*/fd. The scan stats every descriptor of every process that this
// user may inspect (all of them for root), so it runs once per run and again
// only when the service check invalidates it.
type openFileSet struct {
	scanned bool
	holders map[fileKey]int
}

type fileKey struct{ dev, ino uint64 }

func newOpenFileSet() *openFileSet { return &openFileSet{} }

func (s *openFileSet) invalidate() { s.scanned = false }

// holder returns the ID of a process that has the file open.
func (s *openFileSet) holder(dev, ino uint64) (int, bool) {
	if !s.scanned {
		s.scan()
	}
	pid, ok := s.holders[fileKey{dev, ino}]
	return pid, ok
}

func (s *openFileSet) scan() {
	s.scanned = true
	s.holders = make(map[fileKey]int)
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	self := os.Getpid()
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == self {
			continue
		}
		fdDir := "/proc/" + p.Name() + "/fd/"
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			var st unix.Stat_t
			if unix.Stat(fdDir+fd.Name(), &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
				continue
			}
			s.holders[fileKey{uint64(st.Dev), st.Ino}] = pid
		}
	}
}
