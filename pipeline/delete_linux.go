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
	// overlay is set on overlayfs, where the kernel grants a write lease
	// on a file that another process has only mapped into memory, so the
	// /proc scan is consulted as well.
	overlay bool
}

// overlayfsMagic is OVERLAYFS_SUPER_MAGIC, the f_type that statfs reports
// for overlayfs.
const overlayfsMagic = 0x794c7630

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
	var fs unix.Statfs_t
	if err := unix.Fstatfs(fd, &fs); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &unixRoot{path: path, fd: fd, dev: uint64(st.Dev), overlay: fs.Type == overlayfsMagic}, nil
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
	err := quickStatx(dirfd, name, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_BASIC_STATS, &stx)
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
	case mountRoot(&stx):
		return skipped(ReasonLinkInPath, "%s is a mount point", path)
	}
	if err := checkIdentity(t, st.id(), st.size, st.modTime); err != nil {
		return Outcome{Action: ActionSkipped, Reason: ReasonChanged, Err: err}
	}
	if st.readOnly && !req.force {
		return skipped(ReasonReadOnly, "%s is read-only (use --force to delete it)", path)
	}
	// A dry run reports open files too. A real run queries the services
	// first, which may take a while, so that no lease is held meanwhile.
	if req.dryRun {
		leaseFD, out, ok := r.checkNotOpen(dirfd, name, path, &stx, req.openFiles)
		if !ok {
			return out
		}
		if leaseFD >= 0 {
			releaseLease(leaseFD)
		}
		out, _ = req.finalCheck()
		return out
	}
	if out, proceed := req.finalCheck(); !proceed {
		return out
	}
	leaseFD, out, ok := r.checkNotOpen(dirfd, name, path, &stx, req.openFiles)
	if !ok {
		return out
	}
	if leaseFD >= 0 {
		defer releaseLease(leaseFD)
		if leaseBroken(leaseFD) {
			return skipped(ReasonOpen, "%s is being opened by another process", path)
		}
	}
	if err := unix.Unlinkat(dirfd, name, 0); err != nil {
		return unlinkError(path, err)
	}
	return Outcome{Action: ActionDeleted}
}

// checkNotOpen checks that no process has the file open: with a lease where
// the kernel grants one, else with the /proc scan, and with both on
// overlayfs. It fails closed when neither can tell. The returned
// descriptor, when not -1, holds the lease until the caller releases it.
func (r *unixRoot) checkNotOpen(dirfd int, name, path string, stx *unix.Statx_t, openFiles *openFileSet) (int, Outcome, bool) {
	fd, err := takeLease(dirfd, name, stx)
	switch {
	case err == nil && !r.overlay:
		return fd, Outcome{}, true
	case err == nil:
	case errors.Is(err, errFileOpen):
		return -1, skipped(ReasonOpen, "%s is open in another process", path), false
	case errors.Is(err, errReplaced):
		return -1, skipped(ReasonChanged, "%s changed or was replaced while it was checked", path), false
	case !errors.Is(err, errNoLease):
		return -1, statError(path, err), false
	}
	release := func() {
		if fd >= 0 {
			releaseLease(fd)
		}
	}
	dev := unix.Mkdev(stx.Dev_major, stx.Dev_minor)
	pid, open, scanErr := openFiles.holder(dev, stx.Ino)
	switch {
	case scanErr != nil:
		release()
		return -1, skipped(ReasonOpen, "cannot tell whether %s is open: %v", path, scanErr), false
	case open:
		release()
		return -1, skipped(ReasonOpen, "%s is open in process %d", path, pid), false
	}
	if fd >= 0 {
		return fd, Outcome{}, true
	}
	// Without a lease nothing keeps the file from changing while the scan
	// runs, so it is compared with stx once more.
	var now unix.Statx_t
	if err := quickStatx(dirfd, name, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_BASIC_STATS, &now); err != nil {
		return -1, statError(path, err), false
	}
	if !sameStatx(stx, &now) {
		return -1, skipped(ReasonChanged, "%s changed or was replaced while it was checked", path), false
	}
	return -1, Outcome{}, true
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
	if uint64(st.Dev) != r.dev || isMountRoot(fd, "") {
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

// isMountRoot reports whether name in dirfd (or dirfd itself, when name is
// empty) is the root of a mount. A bind mount of a directory from the same
// file system keeps the device number, so comparing devices alone misses it.
func isMountRoot(dirfd int, name string) bool {
	var stx unix.Statx_t
	flags := unix.AT_SYMLINK_NOFOLLOW
	if name == "" {
		flags |= unix.AT_EMPTY_PATH
	}
	if unix.Statx(dirfd, name, flags, unix.STATX_BASIC_STATS, &stx) != nil {
		return false
	}
	return mountRoot(&stx)
}

// mountRoot reads STATX_ATTR_MOUNT_ROOT, which Linux reports since 5.8.
// NOTE: on older kernels only the device comparison catches mount points,
// so a bind mount from the same file system goes unnoticed there.
func mountRoot(stx *unix.Statx_t) bool {
	return stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 &&
		stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0
}
