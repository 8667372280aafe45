package pipeline

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// winRoot is a --root opened as a directory handle. Every component of a
// record's path is opened relative to the handle of the one before it, with
// NtCreateFile and ObjectAttributes.RootDirectory, and without following
// reparse points. So no name is resolved from the root again, and a
// junction, symbolic link or mount point on the way is rejected.
type winRoot struct {
	path   string
	handle windows.Handle
	serial uint32
}

func openDeleteRoot(path string) (deleteRoot, error) {
	handle, info, err := openRootHandle(path, windows.FILE_TRAVERSE|windows.FILE_READ_ATTRIBUTES)
	if err != nil {
		return nil, err
	}
	return &winRoot{path: path, handle: handle, serial: info.VolumeSerialNumber}, nil
}

func (r *winRoot) close() error { return windows.CloseHandle(r.handle) }

// openState is what opening a file for deletion reveals about other
// handles to it.
type openState int

const (
	// openExclusive: no other handle can read, write or delete the file
	// while this one is open.
	openExclusive openState = iota
	// openShared: another handle has the file open for reading or writing
	// but allows it to be deleted.
	openShared
	// openLocked: another handle does not allow the file to be deleted.
	// The handle returned has attribute access only.
	openLocked
)

func (r *winRoot) remove(rel []string, t target, req removeRequest) Outcome {
	for _, name := range rel {
		if strings.ContainsRune(name, ':') {
			return skipped(ReasonInvalidRecord, "path %q names an alternate data stream or a device", t.path)
		}
	}
	parent := r.handle
	dirPath := r.path
	for _, name := range rel[:len(rel)-1] {
		handle, out, ok := r.openComponent(parent, joinPath(dirPath, name), name)
		if !ok {
			return out
		}
		defer windows.CloseHandle(handle)
		parent = handle
		dirPath = joinPath(dirPath, name)
	}
	name := rel[len(rel)-1]
	path := joinPath(dirPath, name)
	handle, state, err := openForDelete(parent, name, req.force)
	if err != nil {
		return r.openError(parent, path, name, err, req)
	}
	defer windows.CloseHandle(handle)
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(handle, &info); err != nil {
		return Outcome{Action: ActionFailed, Reason: ReasonError, Err: fmt.Errorf("check %s: %w", path, err)}
	}
	if out, ok := r.checkFile(path, &info, t, req); !ok {
		return out
	}
	switch state {
	case openShared:
		return skipped(ReasonOpen, "%s is open in another process", path)
	case openLocked:
		if req.onLocked != "reboot" {
			return skipped(ReasonLocked, "%s is locked: another process has it open without allowing deletion", path)
		}
		if out, proceed := req.finalCheck(); !proceed {
			return out
		}
		return scheduleDelete(handle, path, info.FileAttributes)
	}
	if out, proceed := req.finalCheck(); !proceed {
		return out
	}
	return deleteByHandle(handle, path, info.FileAttributes)
}

// openComponent opens the directory name inside parent, rejecting links
// and mount points. path is the directory's full path, for messages.
func (r *winRoot) openComponent(parent windows.Handle, path, name string) (windows.Handle, Outcome, bool) {
	access := uint32(windows.FILE_TRAVERSE | windows.FILE_READ_ATTRIBUTES)
	handle, err := openRelative(parent, name, access, shareAll, windows.FILE_DIRECTORY_FILE)
	if err == windows.STATUS_NOT_A_DIRECTORY {
		// A symbolic link to a file is not a directory either, but a link in
		// the path has a reason of its own.
		if attrs, ok := readAttributes(parent, name); ok && classifyAttributes(attrs) == kindLink {
			return 0, skipped(ReasonLinkInPath, "%s is a symbolic link", path), false
		}
		return 0, skipped(ReasonNotFound, "%s is not a directory", path), false
	}
	if err != nil {
		return 0, openStatusOutcome(path, err), false
	}
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(handle, &info); err != nil {
		windows.CloseHandle(handle)
		return 0, Outcome{Action: ActionFailed, Reason: ReasonError, Err: fmt.Errorf("check %s: %w", path, err)}, false
	}
	if out, ok := r.checkComponent(path, info.FileAttributes, info.VolumeSerialNumber); !ok {
		windows.CloseHandle(handle)
		return 0, out, false
	}
	return handle, Outcome{}, true
}

// checkComponent decides whether a directory on the way to a file may be
// passed through.
func (r *winRoot) checkComponent(path string, attrs, serial uint32) (Outcome, bool) {
	switch {
	case classifyAttributes(attrs) == kindLink:
		return skipped(ReasonLinkInPath, "%s is a junction, symbolic link or mount point", path), false
	case serial != r.serial:
		return skipped(ReasonLinkInPath, "%s is on another volume than the root", path), false
	}
	return Outcome{}, true
}

// checkFile decides whether the file that info describes may be deleted,
// apart from the final service check.
func (r *winRoot) checkFile(path string, info *windows.ByHandleFileInformation, t target, req removeRequest) (Outcome, bool) {
	switch classifyAttributes(info.FileAttributes) {
	case kindLink:
		return skipped(ReasonLinkInPath, "%s is a symbolic link or other reparse point", path), false
	case kindDirectory:
		return skipped(ReasonNotRegular, "%s is a directory", path), false
	case kindDevice:
		return skipped(ReasonNotRegular, "%s is not a regular file", path), false
	}
	if info.VolumeSerialNumber != r.serial {
		return skipped(ReasonLinkInPath, "%s is on another volume than the root", path), false
	}
	fileID := formatWindowsFileID(info.VolumeSerialNumber, fileIndex(info))
	size := int64(info.FileSizeHigh)<<32 | int64(info.FileSizeLow)
	if err := checkIdentity(t, fileID, size, handleTime(info.LastWriteTime)); err != nil {
		return Outcome{Action: ActionSkipped, Reason: ReasonChanged, Err: err}, false
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_READONLY != 0 && !req.force {
		return skipped(ReasonReadOnly, "%s is read-only (use --force to delete it)", path), false
	}
	return Outcome{}, true
}

// openForDelete opens name inside parent for deletion and finds out
// whether another handle has it open. It first requests delete access
// while sharing deletion only, which fails with a sharing violation when
// any other handle can read or write the file or does not allow deletion.
// A second open that shares everything then distinguishes the two cases. With
// force the handle can also clear the read-only attribute.
func openForDelete(parent windows.Handle, name string, force bool) (windows.Handle, openState, error) {
	access := uint32(windows.DELETE | windows.FILE_READ_ATTRIBUTES)
	if force {
		access |= windows.FILE_WRITE_ATTRIBUTES
	}
	handle, err := openRelative(parent, name, access, windows.FILE_SHARE_DELETE, 0)
	if err == windows.STATUS_ACCESS_DENIED && force {
		// An ACL may allow deletion but not changing attributes. That only
		// matters for a read-only file, whose deletion then fails when the
		// attribute cannot be cleared.
		access &^= windows.FILE_WRITE_ATTRIBUTES
		handle, err = openRelative(parent, name, access, windows.FILE_SHARE_DELETE, 0)
	}
	if err != windows.STATUS_SHARING_VIOLATION {
		return handle, openExclusive, err
	}

	handle, err = openRelative(parent, name, windows.DELETE|windows.FILE_READ_ATTRIBUTES, shareAll, 0)
	if err == nil {
		return handle, openShared, nil
	}
	if err != windows.STATUS_SHARING_VIOLATION {
		return 0, openExclusive, err
	}

	// Attribute access takes no part in sharing checks, so this open works
	// on a locked file and lets its identity be checked.
	access = windows.FILE_READ_ATTRIBUTES
	if force {
		access |= windows.FILE_WRITE_ATTRIBUTES
	}
	handle, err = openRelative(parent, name, access, shareAll, 0)
	return handle, openLocked, err
}

// openError turns a failed open of the file to delete into an outcome.
// Access denied is distinguished from a read-only file by the attributes.
func (r *winRoot) openError(parent windows.Handle, path, name string, err error, req removeRequest) Outcome {
	if err == windows.STATUS_ACCESS_DENIED {
		attrs, ok := readAttributes(parent, name)
		if ok && attrs&windows.FILE_ATTRIBUTE_READONLY != 0 && !req.force {
			return skipped(ReasonReadOnly, "%s is read-only (use --force to delete it)", path)
		}
	}
	return openStatusOutcome(path, err)
}

// openStatusOutcome turns the NTStatus of a failed open into an outcome.
func openStatusOutcome(path string, err error) Outcome {
	switch err {
	case windows.STATUS_OBJECT_NAME_NOT_FOUND, windows.STATUS_OBJECT_PATH_NOT_FOUND,
		windows.STATUS_NO_SUCH_FILE:
		return skipped(ReasonNotFound, "%s no longer exists", path)
	case windows.STATUS_OBJECT_NAME_INVALID:
		return skipped(ReasonNotFound, "%s is not a valid file name", path)
	case windows.STATUS_DELETE_PENDING:
		return skipped(ReasonDenied, "%s is already being deleted and cannot be opened", path)
	case windows.STATUS_ACCESS_DENIED:
		return skipped(ReasonDenied, "access to %s denied: %v", path, win32Error(err))
	case windows.STATUS_SHARING_VIOLATION:
		return skipped(ReasonLocked, "%s is locked by another process", path)
	}
	return Outcome{Action: ActionFailed, Reason: ReasonError, Err: fmt.Errorf("open %s: %w", path, win32Error(err))}
}

// readAttributes returns the attributes of name inside parent.
func readAttributes(parent windows.Handle, name string) (uint32, bool) {
	handle, err := openRelative(parent, name, windows.FILE_READ_ATTRIBUTES, shareAll, 0)
	if err != nil {
		return 0, false
	}
	defer windows.CloseHandle(handle)
	var info windows.ByHandleFileInformation
	if windows.GetFileInformationByHandle(handle, &info) != nil {
		return 0, false
	}
	return info.FileAttributes, true
}

// deleteByHandle deletes the file that handle is open on, clearing its
// read-only attribute first and putting it back if the deletion fails.
func deleteByHandle(handle windows.Handle, path string, attrs uint32) Outcome {
	readOnly := attrs&windows.FILE_ATTRIBUTE_READONLY != 0
	if readOnly {
		if err := setAttributes(handle, attrs&^windows.FILE_ATTRIBUTE_READONLY); err != nil {
			return deleteError(path, fmt.Errorf("clear read-only attribute: %w", err))
		}
	}
	if err := setDeleteDisposition(handle); err != nil {
		if readOnly {
			if restoreErr := setAttributes(handle, attrs); restoreErr != nil {
				err = errors.Join(err, fmt.Errorf("restore read-only attribute: %w", restoreErr))
			}
		}
		return deleteError(path, err)
	}
	return Outcome{Action: ActionDeleted}
}

// fileDispositionInfo and fileDispositionInfoEx are FILE_DISPOSITION_INFO
// and FILE_DISPOSITION_INFO_EX from the Windows SDK's winbase.h.
type fileDispositionInfo struct {
	DeleteFile bool
}

type fileDispositionInfoEx struct {
	Flags uint32
}

// setDeleteDisposition marks the file for deletion with POSIX semantics,
// which removes its name as soon as the handle is closed even if another
// handle that shares deletion is still open. Windows before 10 version
// 1607, file systems without POSIX delete semantics, and Wine 8.0 (which
// returns ERROR_INVALID_PARAMETER) lack FileDispositionInfoEx. There the
// file is marked the classic way and goes away when its last handle is
// closed.
func setDeleteDisposition(handle windows.Handle) error {
	ex := fileDispositionInfoEx{Flags: windows.FILE_DISPOSITION_DELETE | windows.FILE_DISPOSITION_POSIX_SEMANTICS}
	err := windows.SetFileInformationByHandle(handle, windows.FileDispositionInfoEx,
		(*byte)(unsafe.Pointer(&ex)), uint32(unsafe.Sizeof(ex)))
	switch err {
	case windows.ERROR_INVALID_PARAMETER, windows.ERROR_NOT_SUPPORTED, windows.ERROR_INVALID_FUNCTION:
	default:
		return err
	}
	classic := fileDispositionInfo{DeleteFile: true}
	return windows.SetFileInformationByHandle(handle, windows.FileDispositionInfo,
		(*byte)(unsafe.Pointer(&classic)), uint32(unsafe.Sizeof(classic)))
}

// settableAttributes are the attributes that FileBasicInfo can change.
const settableAttributes = windows.FILE_ATTRIBUTE_READONLY | windows.FILE_ATTRIBUTE_HIDDEN |
	windows.FILE_ATTRIBUTE_SYSTEM | windows.FILE_ATTRIBUTE_ARCHIVE | windows.FILE_ATTRIBUTE_TEMPORARY |
	windows.FILE_ATTRIBUTE_OFFLINE | windows.FILE_ATTRIBUTE_NOT_CONTENT_INDEXED

// setAttributes sets the file's attributes through handle, which needs
// FILE_WRITE_ATTRIBUTES, and leaves its times alone.
func setAttributes(handle windows.Handle, attrs uint32) error {
	basic := fileBasicInfo{FileAttributes: attrs & settableAttributes}
	if basic.FileAttributes == 0 {
		basic.FileAttributes = windows.FILE_ATTRIBUTE_NORMAL
	}
	return windows.SetFileInformationByHandle(handle, windows.FileBasicInfo,
		(*byte)(unsafe.Pointer(&basic)), uint32(unsafe.Sizeof(basic)))
}

func deleteError(path string, err error) Outcome {
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return Outcome{Action: ActionFailed, Reason: ReasonDenied, Err: fmt.Errorf("delete %s: %w", path, err)}
	}
	return Outcome{Action: ActionFailed, Reason: ReasonError, Err: fmt.Errorf("delete %s: %w", path, err)}
}

// scheduleDelete requests that Windows delete a locked file at the next restart,
// clearing its read-only attribute first when handle allows it (--force).
// NOTE: the session manager deletes whatever has this path at restart; the
// identity checked here cannot be pinned until then.
func scheduleDelete(handle windows.Handle, path string, attrs uint32) Outcome {
	// MoveFileEx records the deletion in this computer's registry, so a
	// file on a network share would be scheduled on the wrong machine.
	if strings.HasPrefix(path, `\\`) {
		return skipped(ReasonLocked, "%s is locked, and a deletion at restart can only be scheduled on the computer that has the file", path)
	}
	readOnly := attrs&windows.FILE_ATTRIBUTE_READONLY != 0
	if readOnly {
		if err := setAttributes(handle, attrs&^windows.FILE_ATTRIBUTE_READONLY); err != nil {
			return deleteError(path, fmt.Errorf("clear read-only attribute: %w", err))
		}
	}
	name, err := windows.UTF16PtrFromString(win32Path(path))
	if err == nil {
		err = windows.MoveFileEx(name, nil, windows.MOVEFILE_DELAY_UNTIL_REBOOT)
	}
	if err == nil {
		return Outcome{Action: ActionScheduled}
	}
	if readOnly {
		if restoreErr := setAttributes(handle, attrs); restoreErr != nil {
			err = errors.Join(err, fmt.Errorf("restore read-only attribute: %w", restoreErr))
		}
	}
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return skipped(ReasonNeedsAdmin,
			"%s is locked, and scheduling its deletion at restart requires administrator rights (run tempsweep elevated): %v", path, err)
	}
	return Outcome{Action: ActionFailed, Reason: ReasonError, Err: fmt.Errorf("schedule deletion of %s at restart: %w", path, err)}
}
