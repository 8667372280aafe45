package pipeline

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"time"

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
// memory at once, and an entry costs one allocation, for its name.
func (d *unixDir) readEntries(fn func(dirEntry) error) error {
	buf := make([]byte, direntBufferSize)
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
		if err := passDirents(buf[:n], fn); err != nil {
			return err
		}
	}
}

// passDirents calls fn for each linux_dirent64 in buf but "." and "..".
// An entry whose type the file system does not report (DT_UNKNOWN) is
// passed with typeKnown false, to be stat'ed.
func passDirents(buf []byte, fn func(dirEntry) error) error {
	const nameOffset = 19 // d_ino (8), d_off (8), d_reclen (2), d_type (1)
	for len(buf) >= nameOffset {
		reclen := int(binary.NativeEndian.Uint16(buf[16:18]))
		if reclen < nameOffset || reclen > len(buf) {
			return &readDirError{err: fmt.Errorf("malformed directory entry of %d bytes", reclen)}
		}
		rec := buf[:reclen]
		buf = buf[reclen:]
		name := rec[nameOffset:]
		if end := bytes.IndexByte(name, 0); end >= 0 {
			name = name[:end]
		}
		if string(name) == "." || string(name) == ".." {
			continue
		}
		typ := rec[18]
		entry := dirEntry{
			name:      string(name),
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

func (d *unixDir) stat(name string) (fileStat, error) {
	var stx unix.Statx_t
	mask := unix.STATX_BASIC_STATS | unix.STATX_BTIME
	if err := unix.Statx(d.fd, name, unix.AT_SYMLINK_NOFOLLOW, mask, &stx); err != nil {
		return fileStat{}, err
	}
	return statxToFileStat(name, &stx), nil
}

func statxToFileStat(name string, stx *unix.Statx_t) fileStat {
	mode := uint32(stx.Mode) & unix.S_IFMT
	dev := unix.Mkdev(stx.Dev_major, stx.Dev_minor)
	st := fileStat{
		size:       int64(stx.Size),
		modTime:    statxTime(stx.Mtime),
		accessTime: statxTime(stx.Atime),
		changeTime: statxTime(stx.Ctime),
		fileID:     formatUnixFileID(dev, stx.Ino),
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
	return st
}

func statxTime(t unix.StatxTimestamp) time.Time {
	return time.Unix(t.Sec, int64(t.Nsec))
}

func formatUnixFileID(dev, ino uint64) string {
	var buf [41]byte
	id := strconv.AppendUint(buf[:0], dev, 10)
	id = append(id, ':')
	return string(strconv.AppendUint(id, ino, 10))
}

var _ = fmt.Sprint

// concurrentStat marks unixDir as a batchStatter: stat is one statx call on
// the directory's descriptor and keeps no state.
func (d *unixDir) concurrentStat() {}

// mountPoint reports whether the directory is the root of a mount, bind
// mounts included.
func (d *unixDir) mountPoint() bool { return isMountRoot(d.fd, "") }
