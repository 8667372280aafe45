package pipeline

import (
	"errors"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// unixRoot is a --root opened as a directory descriptor. Paths below it are
// resolved with openat and O_NOFOLLOW, so a component that is a symbolic
// link is rejected rather than followed.
type unixRoot struct {
	path string
	fd   int
	dev  uint64
}

func openDeleteRoot(path string) (deleteRoot, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &unixRoot{path: path, fd: fd, dev: uint64(st.Dev)}, nil
}

func (r *unixRoot) close() error { return unix.Close(r.fd) }

func (r *unixRoot) remove(rel []string, t target, req removeRequest) Outcome {
	dirfd := r.fd
	dirPath := r.path
	for _, name := range rel[:len(rel)-1] {
		fd, out, ok := r.openComponent(dirfd, dirPath, name)
		if !ok {
			return out
		}
		defer unix.Close(fd)
		dirfd = fd
		dirPath = filepath.Join(dirPath, name)
	}
	name := rel[len(rel)-1]
	path := filepath.Join(dirPath, name)
	var stx unix.Statx_t
	err := unix.Statx(dirfd, name, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_BASIC_STATS, &stx)
	if err != nil {
		return statError(path, err)
	}
	st := statxToFileStat(name, &stx)
	switch {
	case st.link:
		return skipped(ReasonLinkInPath, "%s is a symbolic link", path)
	case !st.regular:
		return skipped(ReasonNotRegular, "%s is not a regular file", path)
	case st.device != r.dev:
		return skipped(ReasonLinkInPath, "%s is on another file system than the root", path)
	}
	if err := checkIdentity(t, st.fileID, st.size, st.modTime); err != nil {
		return Outcome{Action: ActionSkipped, Reason: ReasonChanged, Err: err}
	}
	if pid, open := req.openFiles.holder(st.device, stx.Ino); open {
		return skipped(ReasonOpen, "%s is open in process %d", path, pid)
	}
	if st.readOnly && !req.force {
		return skipped(ReasonReadOnly, "%s is read-only (use --force to delete it)", path)
	}
	if out, proceed := req.finalCheck(); !proceed {
		return out
	}
	if err := unix.Unlinkat(dirfd, name, 0); err != nil {
		return unlinkError(path, err)
	}
	return Outcome{Action: ActionDeleted}
}

// openComponent opens the directory name inside dirfd, refusing links and
// mount points.
func (r *unixRoot) openComponent(dirfd int, dirPath, name string) (int, Outcome, bool) {
	path := filepath.Join(dirPath, name)
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		var st unix.Stat_t
		if errors.Is(err, unix.ELOOP) ||
			(unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK) {
			return -1, skipped(ReasonLinkInPath, "%s is a symbolic link", path), false
		}
		if errors.Is(err, unix.ENOTDIR) {
			return -1, skipped(ReasonNotFound, "%s is not a directory", path), false
		}
		return -1, statError(path, err), false
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, statError(path, err), false
	}
	if uint64(st.Dev) != r.dev {
		unix.Close(fd)
		return -1, skipped(ReasonLinkInPath, "%s is a mount point", path), false
	}
	return fd, Outcome{}, true
}

func statError(path string, err error) Outcome {
	switch {
	case errors.Is(err, unix.ENOENT):
		return skipped(ReasonNotFound, "%s no longer exists", path)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return skipped(ReasonDenied, "access to %s denied: %v", path, err)
	}
	return Outcome{Action: ActionFailed, Reason: ReasonError, Err: errors.Join(errors.New("check "+path), err)}
}

func unlinkError(path string, err error) Outcome {
	switch {
	case errors.Is(err, unix.ENOENT):
		return skipped(ReasonNotFound, "%s no longer exists", path)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return Outcome{Action: ActionFailed, Reason: ReasonDenied, Err: errors.Join(errors.New("delete "+path+": access denied"), err)}
	case errors.Is(err, unix.EBUSY):
		return Outcome{Action: ActionFailed, Reason: ReasonLocked, Err: errors.Join(errors.New("delete "+path+": busy"), err)}
	}
	return Outcome{Action: ActionFailed, Reason: ReasonError, Err: errors.Join(errors.New("delete "+path), err)}
}
