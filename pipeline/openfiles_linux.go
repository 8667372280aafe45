package pipeline

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// openFileSet is the set of files that some process has open or mapped,
// read from /proc/*/task/*/fd and the processes' memory maps. delete uses it
// where it cannot take a file lease (see takeLease): on file systems without
// leases, or for files that another user owns when delete runs without
// CAP_LEASE. On overlayfs it uses both. The scan stats every
// descriptor of every process, so it is repeated at most once per second
// and whenever the services are queried again. A scan that cannot read
// some process's descriptors fails, and the files it would decide are
// skipped.
type openFileSet struct {
	mu        sync.Mutex
	scannedAt time.Time
	holders   map[fileKey]int
	scanErr   error
}

type fileKey struct{ dev, ino uint64 }

// openFileScanInterval is the age after which the scan is repeated. A file
// opened more recently than this may be missed by the /proc scan, but not
// by a lease.
const openFileScanInterval = time.Second

func newOpenFileSet() *openFileSet { return &openFileSet{} }

func (s *openFileSet) invalidate() {
	s.mu.Lock()
	s.scannedAt = time.Time{}
	s.mu.Unlock()
}

// holder returns the ID of a process that has the file open. An error means
// /proc could not be read, so whether the file is open is unknown.
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
		if err := s.scanProcess(pid); err != nil {
			s.scanErr = err
			return
		}
	}
}

// scanProcess adds the regular files that process pid has open or mapped:
// the descriptors of each of its threads, since a thread may have a table of
// its own, and the files in its memory maps, which outlive their descriptors.
// A process that exits meanwhile is passed over, and one whose descriptors
// cannot be read is an error.
func (s *openFileSet) scanProcess(pid int) error {
	procDir := "/proc/" + strconv.Itoa(pid)
	tasks, err := os.ReadDir(procDir + "/task")
	if errors.Is(err, os.ErrPermission) {
		return cannotSee(pid)
	}
	if err != nil {
		return nil
	}
	for _, task := range tasks {
		fdDir := procDir + "/task/" + task.Name() + "/fd/"
		fds, err := os.ReadDir(fdDir)
		if errors.Is(err, os.ErrPermission) {
			if err := cannotSee(pid); err != nil {
				return err
			}
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
	// The threads share one address space, but /proc/PID/maps is empty
	// once the first thread has exited, so the first thread that shows
	// any maps is read.
	// NOTE: the kernel hides the maps of a process that is not dumpable
	// from a reader without the right to trace it, even from root in some
	// containers. Such a process is judged by its descriptors alone.
	for _, task := range tasks {
		maps, _ := os.ReadFile(procDir + "/task/" + task.Name() + "/maps")
		for line := range strings.Lines(string(maps)) {
			if key, ok := parseMapsLine(line); ok {
				s.holders[key] = pid
			}
		}
		if len(maps) > 0 {
			break
		}
	}
	return nil
}

// parseMapsLine reads the device and inode of a line of /proc/PID/maps,
// "start-end perms offset major:minor inode path", where both numbers of the
// device are hexadecimal. Anonymous memory has inode 0 and is passed over.
func parseMapsLine(line string) (fileKey, bool) {
	fields := strings.Fields(line)
	if len(fields) < 5 {
		return fileKey{}, false
	}
	majorText, minorText, ok := strings.Cut(fields[3], ":")
	if !ok {
		return fileKey{}, false
	}
	major, err1 := strconv.ParseUint(majorText, 16, 32)
	minor, err2 := strconv.ParseUint(minorText, 16, 32)
	inode, err3 := strconv.ParseUint(fields[4], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || inode == 0 {
		return fileKey{}, false
	}
	return fileKey{unix.Mkdev(uint32(major), uint32(minor)), inode}, true
}

// cannotSee returns the error for a process whose descriptors cannot be
// read: another user's process, whose files cannot be seen, so no file may
// be taken as closed on the strength of the scan. A process that has exited
// and waits to be reaped (a zombie) holds no files, and returns nil. A
// process whose first thread has exited shows the zombie state too while
// its other threads run, so only a zombie with one thread left counts.
func cannotSee(pid int) error {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err == nil && isZombieStatus(string(status)) {
		return nil
	}
	return fmt.Errorf("cannot see the open files of process %d (run as root, or as the owner of the files so that a lease can be taken)", pid)
}

// isZombieStatus reads the State and Threads lines of /proc/PID/status.
func isZombieStatus(status string) bool {
	zombie, threads := false, ""
	for line := range strings.Lines(status) {
		key, value, _ := strings.Cut(strings.TrimSpace(line), ":")
		value = strings.TrimSpace(value)
		switch key {
		case "State":
			zombie = strings.HasPrefix(value, "Z") || strings.HasPrefix(value, "X")
		case "Threads":
			threads = value
		}
	}
	return zombie && threads == "1"
}

// errNoLease means the file system or the file's owner does not allow a
// lease, so the /proc scan has to decide.
var errNoLease = errors.New("no lease")

// takeLease opens the file and takes a write lease on it. The kernel grants
// a write lease only when no other open file description refers to the file,
// memory mappings included, so success proves that no process has it open.
// While the lease is held, another process that opens the file waits until
// it is released, so nothing can write to the file. The file is then
// compared again with want, the statx that the other checks were made on,
// which catches a file that was written or replaced between that statx and
// the lease. It returns the descriptor holding the lease, which the caller
// releases with releaseLease after the unlink.
func takeLease(dirfd int, name string, want *unix.Statx_t) (int, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.EWOULDBLOCK):
		// Another process (another delete, a file server) holds a lease,
		// and with O_NONBLOCK the open fails instead of waiting for it.
		return -1, errFileOpen
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return -1, errNoLease
	case err != nil:
		return -1, err
	}
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_WRLCK)
	switch {
	case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EBUSY):
		unix.Close(fd)
		return -1, errFileOpen
	case err != nil:
		// The descriptor still proves the file's identity for the scan.
		sameErr := checkSame(fd, want)
		unix.Close(fd)
		if sameErr != nil {
			return -1, sameErr
		}
		return -1, errNoLease
	}
	if err := checkSame(fd, want); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// checkSame compares the open file with want, as sameStatx does.
func checkSame(fd int, want *unix.Statx_t) error {
	var now unix.Statx_t
	if err := rawStatx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_BASIC_STATS, &now); err != nil {
		return err
	}
	if !sameStatx(want, &now) {
		return errReplaced
	}
	return nil
}

// sameStatx reports whether two statx results show the same file with the
// same content: inode, device, size, modification and change time. Any
// write, truncation or change of metadata moves the change time.
func sameStatx(a, b *unix.Statx_t) bool {
	return a.Ino == b.Ino && a.Dev_major == b.Dev_major && a.Dev_minor == b.Dev_minor &&
		a.Size == b.Size && a.Mtime == b.Mtime && a.Ctime == b.Ctime
}

// leaseBroken reports whether another process has started to open the file
// since the lease was taken. That process waits for the lease, and would
// get the file after the unlink.
func leaseBroken(fd int) bool {
	kind, err := unix.FcntlInt(uintptr(fd), unix.F_GETLEASE, 0)
	return err != nil || kind != unix.F_WRLCK
}

// releaseLease closes the descriptor, which releases its lease: the kernel
// drops a lease with the last descriptor of its open file description, so
// an F_UNLCK call first would only cost a system call.
func releaseLease(fd int) {
	unix.Close(fd)
}

var (
	errFileOpen = errors.New("open in another process")
	errReplaced = errors.New("changed or replaced while it was checked")
)
