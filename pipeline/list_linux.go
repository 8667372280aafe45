package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// unixDir is an open directory, read and stat'ed relative to its descriptor
// so that no path is resolved twice.
type unixDir struct {
	file *os.File
	fd   int
	dev  uint64
}

func openRootDir(path string) (dirHandle, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return newUnixDir(fd, path)
}

func newUnixDir(fd int, path string) (*unixDir, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &unixDir{file: os.NewFile(uintptr(fd), path), fd: fd, dev: uint64(st.Dev)}, nil
}

func (d *unixDir) device() uint64 { return d.dev }

func (d *unixDir) close() error { return d.file.Close() }

func (d *unixDir) openSubdir(name string) (dirHandle, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return newUnixDir(fd, d.file.Name()+"/"+name)
}

// direntBufferSize is the size of the buffer that each getdents64 call
// fills with entries.
const direntBufferSize = 32 << 10

// readEntries reads the directory with getdents64 into one buffer at a
// time, so that a directory of a million files never has all its names in
// memory at once.
func (d *unixDir) readEntries(fn func(dirEntry) error) error {
	buf := make([]byte, direntBufferSize)
	var names nameArena
	for {
		n, err := unix.Getdents(d.fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &readDirError{err: err}
		}
		if n <= 0 {
			return nil
		}
		if err := passDirents(buf[:n], &names, fn); err != nil {
			return err
		}
	}
}

// passDirents calls fn for each linux_dirent64 in buf but "." and "..".
// An entry whose type the file system does not report (DT_UNKNOWN) is
// passed with typeKnown false, to be stat'ed.
func passDirents(buf []byte, names *nameArena, fn func(dirEntry) error) error {
	const nameOffset = 19 // d_ino (8), d_off (8), d_reclen (2), d_type (1)
	for len(buf) >= nameOffset {
		reclen := int(binary.NativeEndian.Uint16(buf[16:18]))
		if reclen < nameOffset || reclen > len(buf) {
			return &readDirError{err: fmt.Errorf("malformed directory entry of %d bytes", reclen)}
		}
		rec := buf[:reclen]
		buf = buf[reclen:]
		// The name ends with a NUL, followed by at most 7 bytes that pad the
		// record to a multiple of 8, so the NUL is in the last 8 bytes.
		end := max(nameOffset, reclen-8)
		for end < reclen && rec[end] != 0 {
			end++
		}
		if end == reclen {
			end = nameOffset + bytes.IndexByte(rec[nameOffset:], 0)
			if end < nameOffset {
				return &readDirError{err: errors.New("malformed directory entry: name not terminated")}
			}
		}
		name := rec[nameOffset:end]
		if string(name) == "." || string(name) == ".." {
			continue
		}
		typ := rec[18]
		entry := dirEntry{
			name:      names.add(name),
			inode:     binary.NativeEndian.Uint64(rec[0:8]),
			dir:       typ == unix.DT_DIR,
			regular:   typ == unix.DT_REG,
			link:      typ == unix.DT_LNK,
			typeKnown: typ != unix.DT_UNKNOWN,
		}
		if err := fn(entry); err != nil {
			return err
		}
	}
	return nil
}

// nameArena makes the names of directory entries into strings that share
// large blocks of memory, which saves an allocation per entry. A block is
// never reused: the strings keep it alive while any of them is in use.
type nameArena struct{ block []byte }

const nameBlockSize = 64 << 10

func (a *nameArena) add(name []byte) string {
	if len(name) == 0 || len(name) > nameBlockSize/8 {
		return string(name)
	}
	if cap(a.block)-len(a.block) < len(name) {
		a.block = make([]byte, 0, nameBlockSize)
	}
	start := len(a.block)
	a.block = append(a.block, name...)
	return unsafe.String(&a.block[start], len(name))
}

func (d *unixDir) stat(name string) (fileStat, error) {
	var st fileStat
	err := d.statTo(name, &st)
	return st, err
}

// statTo is one statx call on the directory's descriptor and keeps no
// state, so it may run on several goroutines at once.
func (d *unixDir) statTo(name string, st *fileStat) error {
	var stx unix.Statx_t
	mask := unix.STATX_BASIC_STATS | unix.STATX_BTIME
	// A name read from the directory has no NUL, so the check is skipped.
	if err := rawStatx(d.fd, name, unix.AT_SYMLINK_NOFOLLOW, mask, &stx); err != nil {
		return err
	}
	setFileStat(st, name, &stx)
	return nil
}

// quickStatx is unix.Statx made with RawSyscall6, which skips the
// scheduler's hand-over of the processor for a call that may block. A statx
// of a cached entry returns in a few microseconds, and the hand-over cost
// more: list took a fifth more CPU time with unix.Statx, because the
// scheduler's monitor thread also woke up to every 20 µs. A name with a NUL
// is invalid, as in unix.Statx, and one too long for any file system goes
// through unix.Statx.
// NOTE: a statx that hangs, as on a dead network file system, also holds
// one of the scheduler's processors until it returns.
func quickStatx(dirfd int, name string, flags, mask int, stx *unix.Statx_t) error {
	if strings.IndexByte(name, 0) >= 0 {
		return unix.EINVAL
	}
	return rawStatx(dirfd, name, flags, mask, stx)
}

// rawStatx is quickStatx for a name known to contain no NUL, which would
// end the name early.
func rawStatx(dirfd int, name string, flags, mask int, stx *unix.Statx_t) error {
	var path [256]byte
	if len(name) >= len(path) {
		return unix.Statx(dirfd, name, flags, mask, stx)
	}
	copy(path[:], name)
	_, _, errno := unix.RawSyscall6(unix.SYS_STATX, uintptr(dirfd), uintptr(unsafe.Pointer(&path[0])),
		uintptr(flags), uintptr(mask), uintptr(unsafe.Pointer(stx)), 0)
	if errno != 0 {
		return errno
	}
	return nil
}

func statxToFileStat(name string, stx *unix.Statx_t) fileStat {
	var st fileStat
	setFileStat(&st, name, stx)
	return st
}

func setFileStat(st *fileStat, name string, stx *unix.Statx_t) {
	mode := uint32(stx.Mode) & unix.S_IFMT
	dev := unix.Mkdev(stx.Dev_major, stx.Dev_minor)
	*st = fileStat{
		size:       int64(stx.Size),
		modTime:    statxTime(stx.Mtime),
		accessTime: statxTime(stx.Atime),
		changeTime: statxTime(stx.Ctime),
		inode:      stx.Ino,
		device:     dev,
		readOnly:   stx.Mode&0o222 == 0,
		hidden:     len(name) > 0 && name[0] == '.',
		links:      uint64(stx.Nlink),
		regular:    mode == unix.S_IFREG,
		dir:        mode == unix.S_IFDIR,
		link:       mode == unix.S_IFLNK,
	}
	if stx.Mask&unix.STATX_BTIME != 0 {
		st.birthTime = statxTime(stx.Btime)
	}
}

func statxTime(t unix.StatxTimestamp) time.Time {
	return time.Unix(t.Sec, int64(t.Nsec))
}

// mountPoint reports whether the directory is the root of a mount, bind
// mounts included.
func (d *unixDir) mountPoint() bool { return isMountRoot(d.fd, "") }
