package pipeline

import (
	"fmt"
	"io"
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

// readEntries reads the directory in batches so that a directory of a
// million files never has all its names in memory at once.
func (d *unixDir) readEntries(fn func(dirEntry) error) error {
	for {
		batch, err := d.file.ReadDir(4096)
		for _, e := range batch {
			t := e.Type()
			entry := dirEntry{
				name:      e.Name(),
				dir:       t.IsDir(),
				regular:   t.IsRegular(),
				link:      t&os.ModeSymlink != 0,
				typeKnown: true,
			}
			if err := fn(entry); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &readDirError{err: err}
		}
	}
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
	return strconv.FormatUint(dev, 10) + ":" + strconv.FormatUint(ino, 10)
}

var _ = fmt.Sprint
