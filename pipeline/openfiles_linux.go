package pipeline

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// openFileSet reports whether some process has a file open. It combines two
// sources, so that most files need no system call of their own:
//
//   - a scan of /proc/*/fd and /proc/*/maps, which lists the files that every
//     process has open or mapped at one moment;
//   - an inotify watch on each directory that files are deleted from, added
//     before the scan that decides its files, which reports every later open
//     of a file in it.
//
// A file that the two clear is not open: it was not open at the scan and
// nobody opened it since. A file that was opened since its directory was
// watched, that has other hard links (opened through another directory, it
// raises no event here), or whose directory was watched after the last scan
// is decided by a lease instead (see takeLease). When the scan cannot see
// every process, or inotify is not available, every file is decided by a
// lease, and where no lease can be taken either, by a scan at most a second
// old; when that scan fails too, the file is skipped.
//
// An openFileSet is safe for concurrent use.
type openFileSet struct {
	mu        sync.Mutex
	scannedAt time.Time
	holders   map[fileKey]int
	scanErr   error

	// notify is the inotify descriptor, or -1 when inotify is not
	// available.
	notify int
	dirs   map[fileKey]*watchedDir
	byWD   map[int32]*watchedDir
	events []byte
}

type fileKey struct{ dev, ino uint64 }

// watchedDir is a directory with an inotify watch.
type watchedDir struct {
	watchedAt time.Time
	// opened holds the names of the files opened in it since watchedAt.
	opened map[string]bool
}

// openFileScanInterval is the least time between two scans of /proc.
const openFileScanInterval = time.Second

func newOpenFileSet() *openFileSet {
	s := &openFileSet{notify: -1, dirs: map[fileKey]*watchedDir{}, byWD: map[int32]*watchedDir{}}
	if fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC); err == nil {
		s.notify = fd
		s.events = make([]byte, 64<<10)
	}
	return s
}

func (s *openFileSet) close() {
	if s.notify >= 0 {
		unix.Close(s.notify)
		s.notify = -1
	}
}

// invalidate makes the next decision scan /proc again.
func (s *openFileSet) invalidate() {
	s.mu.Lock()
	s.scannedAt = time.Time{}
	s.mu.Unlock()
}

// openState is the answer of openFileSet.decide for one file.
type openState int

const (
	stateClosed openState = iota
	stateOpen
	// stateNeedsLease means the scan and the watch cannot tell.
	stateNeedsLease
)

// decide reports whether the file name, in the directory dirfd whose identity
// is dir, is open; for an open file it returns a process that has it open.
func (s *openFileSet) decide(dirfd int, dir fileKey, name string, stx *unix.Statx_t) (openState, int) {
	if s.notify < 0 || stx.Nlink != 1 {
		return stateNeedsLease, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.dirs[dir]
	if w == nil {
		var err error
		if w, err = s.watch(dirfd, dir); err != nil {
			return stateNeedsLease, 0
		}
	}
	s.readEvents()
	if w.opened[name] {
		return stateNeedsLease, 0
	}
	if s.scannedAt.Before(w.watchedAt) {
		// The last scan came before the watch, so a file opened between
		// the two would go unseen.
		if time.Since(s.scannedAt) < openFileScanInterval {
			return stateNeedsLease, 0
		}
		s.scan()
	}
	if s.scanErr != nil {
		return stateNeedsLease, 0
	}
	if pid, ok := s.holders[fileKey{unix.Mkdev(stx.Dev_major, stx.Dev_minor), stx.Ino}]; ok {
		return stateOpen, pid
	}
	return stateClosed, 0
}

// maxWatches caps the inotify watches of a run, which count against the
// user's limit (fs.inotify.max_user_watches) shared with every other program
// of the user. The files of further directories are decided by leases.
const maxWatches = 1024

var errTooManyWatches = errors.New("too many directories watched")

// watch adds an inotify watch for opens in the directory dirfd.
func (s *openFileSet) watch(dirfd int, dir fileKey) (*watchedDir, error) {
	if len(s.byWD) >= maxWatches {
		return nil, errTooManyWatches
	}
	// The watch is added through the descriptor, so that it is on the
	// directory that was resolved without following links.
	wd, err := unix.InotifyAddWatch(s.notify, "/proc/self/fd/"+strconv.Itoa(dirfd), unix.IN_OPEN|unix.IN_ONLYDIR)
	if err != nil {
		return nil, err
	}
	// The watch took effect before this time, so a scan made after it
	// and the events together see every open.
	w := &watchedDir{watchedAt: time.Now(), opened: map[string]bool{}}
	s.dirs[dir] = w
	s.byWD[int32(wd)] = w
	return w, nil
}

// readEvents records the names of the files opened since the last call.
func (s *openFileSet) readEvents() {
	for {
		// The descriptor does not block, so the read skips the scheduler's
		// hand-over, as quickStatx does.
		r, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(s.notify),
			uintptr(unsafe.Pointer(&s.events[0])), uintptr(len(s.events)))
		if errno == unix.EINTR {
			continue
		}
		n := int(r)
		if errno != 0 || n <= 0 {
			return
		}
		buf := s.events[:n]
		for len(buf) >= unix.SizeofInotifyEvent {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[0]))
			size := unix.SizeofInotifyEvent + int(ev.Len)
			if size > len(buf) {
				return
			}
			name := buf[unix.SizeofInotifyEvent:size]
			buf = buf[size:]
			switch {
			case ev.Mask&unix.IN_Q_OVERFLOW != 0:
				// Events were lost: every directory counts as watched
				// from now on, so its files wait for the next scan.
				for _, w := range s.byWD {
					w.watchedAt = time.Now()
				}
			case ev.Mask&unix.IN_IGNORED != 0:
				// The directory is gone; its files can no longer be
				// opened, and a new directory gets a new watch.
				gone := s.byWD[ev.Wd]
				delete(s.byWD, ev.Wd)
				for key, w := range s.dirs {
					if w == gone {
						delete(s.dirs, key)
					}
				}
			case ev.Mask&unix.IN_ISDIR == 0 && ev.Len > 0:
				if w := s.byWD[ev.Wd]; w != nil {
					if end := bytes.IndexByte(name, 0); end >= 0 {
						name = name[:end]
					}
					w.opened[string(name)] = true
				}
			}
		}
	}
}

// holder returns the ID of a process that has the file open, from a scan
// at most openFileScanInterval old. An error means /proc could not be
// read, so whether the file is open is unknown.
func (s *openFileSet) holder(dev, ino uint64) (int, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scannedAt.IsZero() || time.Since(s.scannedAt) > openFileScanInterval {
		s.scan()
	}
	if s.scanErr != nil {
		return 0, false, s.scanErr
	}
	pid, ok := s.holders[fileKey{dev, ino}]
	return pid, ok, nil
}

// scan lists the regular files that other processes have open or mapped.
func (s *openFileSet) scan() {
	s.scannedAt = time.Now()
	s.holders = make(map[fileKey]int)
	s.scanErr = nil
	self := os.Getpid()
	// A /proc that does not show this process's own descriptors is not a
	// real process file system (or is hidden), and an empty scan would
	// wrongly report every file as closed.
	if _, err := os.ReadDir("/proc/" + strconv.Itoa(self) + "/fd"); err != nil {
		s.scanErr = fmt.Errorf("read /proc to find open files: %w", err)
		return
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		s.scanErr = fmt.Errorf("read /proc to find open files: %w", err)
		return
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == self {
			continue
		}
		fdDir := "/proc/" + p.Name() + "/fd/"
		fds, err := os.ReadDir(fdDir)
		if errors.Is(err, os.ErrPermission) {
			// Another user's process: its files cannot be seen, so no
			// file may be taken as closed on the strength of this scan.
			s.scanErr = fmt.Errorf("cannot see the open files of process %d (run as root, or as the owner of the files so that a lease can be taken)", pid)
			return
		}
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
		s.scanMaps(pid)
	}
}

// scanMaps adds the files that process pid has mapped into memory, which
// stay in use after their descriptors are closed.
// NOTE: the kernel hides the maps of a process with capabilities that this
// one lacks, even from root (init, in a container). A file that such a
// process maps and no longer holds open is missed; a lease would see it.
func (s *openFileSet) scanMaps(pid int) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		// address perms offset major:minor inode path
		fields := bytes.Fields(lines.Bytes())
		if len(fields) < 6 || string(fields[4]) == "0" {
			continue
		}
		major, minor, ok := bytes.Cut(fields[3], []byte{':'})
		if !ok {
			continue
		}
		maj, err1 := strconv.ParseUint(string(major), 16, 32)
		min, err2 := strconv.ParseUint(string(minor), 16, 32)
		ino, err3 := strconv.ParseUint(string(fields[4]), 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		s.holders[fileKey{unix.Mkdev(uint32(maj), uint32(min)), ino}] = pid
	}
}

// errNoLease means the file system or the file's owner does not allow a
// lease, so the /proc scan has to decide.
var errNoLease = errors.New("no lease")

// takeLease opens the file and takes a write lease on it. The kernel grants
// a write lease only when no other open file description refers to the file,
// memory mappings included, so success proves that no process has it open.
// While the lease is held, another process that opens the file waits until
// it is released. It returns the descriptor holding the lease, which the
// caller releases with releaseLease after the unlink.
func takeLease(dirfd int, name string, want *unix.Statx_t) (int, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			return -1, errNoLease
		}
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if st.Ino != want.Ino || uint64(st.Dev) != unix.Mkdev(want.Dev_major, want.Dev_minor) {
		unix.Close(fd)
		return -1, errReplaced
	}
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_WRLCK)
	switch {
	case err == nil:
		return fd, nil
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EBUSY):
		unix.Close(fd)
		return -1, errFileOpen
	}
	unix.Close(fd)
	return -1, errNoLease
}

func releaseLease(fd int) {
	unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_UNLCK)
	unix.Close(fd)
}

var (
	errFileOpen = errors.New("open in another process")
	errReplaced = errors.New("replaced while it was checked")
)
