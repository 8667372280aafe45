package pipeline

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// winDir is an open directory. Its entries are read through the handle,
// and its subdirectories are opened relative to it with NtCreateFile. So no
// name is resolved again from the root, and a directory swapped for a
// junction after it was read is not followed.
type winDir struct {
	handle windows.Handle
	serial uint32
	// current is the entry that readEntries is passing to its callback,
	// whose stat comes from the enumeration without opening the file.
	current     fileStat
	currentName string
}

const shareAll = windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE

func openRootDir(path string) (dirHandle, error) {
	access := uint32(windows.FILE_LIST_DIRECTORY | windows.FILE_TRAVERSE | windows.FILE_READ_ATTRIBUTES)
	handle, info, err := openRootHandle(path, access)
	if err != nil {
		return nil, err
	}
	return &winDir{handle: handle, serial: info.VolumeSerialNumber}, nil
}

// openRootHandle opens a --root or list argument as a directory. Like
// on Linux, a root that is itself a junction or symbolic link is followed,
// because the user named it. Links below the root are never followed.
func openRootHandle(path string, access uint32) (windows.Handle, windows.ByHandleFileInformation, error) {
	var info windows.ByHandleFileInformation
	name, err := windows.UTF16PtrFromString(win32Path(path))
	if err != nil {
		return 0, info, err
	}
	handle, err := windows.CreateFile(name, access|windows.SYNCHRONIZE, shareAll, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return 0, info, err
	}
	if err := windows.GetFileInformationByHandle(handle, &info); err != nil {
		windows.CloseHandle(handle)
		return 0, info, err
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY == 0 {
		windows.CloseHandle(handle)
		return 0, info, fmt.Errorf("%s is not a directory", path)
	}
	return handle, info, nil
}

// openRelative opens name inside the directory parent with NtCreateFile.
// The name is resolved in that directory only, and a reparse point is
// opened itself rather than followed, like O_NOFOLLOW. The error is an
// NTStatus.
func openRelative(parent windows.Handle, name string, access, share, options uint32) (windows.Handle, error) {
	objectName, err := windows.NewNTUnicodeString(name)
	if err != nil {
		return 0, err
	}
	attrs := windows.OBJECT_ATTRIBUTES{
		RootDirectory: parent,
		ObjectName:    objectName,
		// Win32's CreateFile compares names case-insensitively too.
		Attributes: windows.OBJ_CASE_INSENSITIVE,
	}
	attrs.Length = uint32(unsafe.Sizeof(attrs))
	options |= windows.FILE_SYNCHRONOUS_IO_NONALERT | windows.FILE_OPEN_REPARSE_POINT |
		windows.FILE_OPEN_FOR_BACKUP_INTENT
	var handle windows.Handle
	var status windows.IO_STATUS_BLOCK
	err = windows.NtCreateFile(&handle, access|windows.SYNCHRONIZE, &attrs, &status, nil, 0,
		share, windows.FILE_OPEN, options, 0, 0)
	if err != nil {
		return 0, err
	}
	return handle, nil
}

// win32Error turns an NTStatus into the Win32 error that CreateFile would
// return, whose message reads better.
func win32Error(err error) error {
	var status windows.NTStatus
	if errors.As(err, &status) {
		return status.Errno()
	}
	return err
}

func (d *winDir) device() uint64 { return uint64(d.serial) }

func (d *winDir) close() error { return windows.CloseHandle(d.handle) }

func (d *winDir) openSubdir(name string) (dirHandle, error) {
	access := uint32(windows.FILE_LIST_DIRECTORY | windows.FILE_TRAVERSE | windows.FILE_READ_ATTRIBUTES)
	handle, err := openRelative(d.handle, name, access, shareAll, windows.FILE_DIRECTORY_FILE)
	if err != nil {
		return nil, win32Error(err)
	}
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(handle, &info); err != nil {
		windows.CloseHandle(handle)
		return nil, err
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		windows.CloseHandle(handle)
		return nil, errors.New("the directory is a junction, symbolic link or mount point")
	}
	return &winDir{handle: handle, serial: info.VolumeSerialNumber}, nil
}

// fileIDBothDirInfo is FILE_ID_BOTH_DIR_INFO from the Windows SDK's
// winbase.h, one entry of a FileIdBothDirectoryInfo enumeration. Times are
// FILETIME values: 100-nanosecond intervals since 1601-01-01 UTC. FileName
// runs on for FileNameLength bytes.
type fileIDBothDirInfo struct {
	NextEntryOffset uint32
	FileIndex       uint32
	CreationTime    int64
	LastAccessTime  int64
	LastWriteTime   int64
	ChangeTime      int64
	EndOfFile       int64
	AllocationSize  int64
	FileAttributes  uint32
	FileNameLength  uint32
	// EaSize is the reparse tag when FileAttributes has
	// FILE_ATTRIBUTE_REPARSE_POINT.
	EaSize          uint32
	ShortNameLength int8
	ShortName       [12]uint16
	FileID          int64
	FileName        [1]uint16
}

// enumerationBufferSize is the size of the buffer that each
// GetFileInformationByHandleEx call fills with entries.
const enumerationBufferSize = 64 << 10

// readEntries reads the directory with GetFileInformationByHandleEx and
// FileIdBothDirectoryInfo, which returns each entry's size, times,
// attributes and file ID, so that listing a file does not open it.
func (d *winDir) readEntries(fn func(dirEntry) error) error {
	// []uint64 keeps the buffer 8-byte aligned, as the entries require.
	buf := make([]uint64, enumerationBufferSize/8)
	base := unsafe.Pointer(&buf[0])
	defer func() { d.currentName = "" }()
	for {
		err := windows.GetFileInformationByHandleEx(d.handle, windows.FileIdBothDirectoryInfo,
			(*byte)(base), enumerationBufferSize)
		if err == windows.ERROR_NO_MORE_FILES {
			return nil
		}
		if err != nil {
			return &readDirError{err: err}
		}
		for offset := uintptr(0); ; {
			info := (*fileIDBothDirInfo)(unsafe.Add(base, offset))
			if err := d.passEntry(info, fn); err != nil {
				return err
			}
			if info.NextEntryOffset == 0 {
				break
			}
			offset += uintptr(info.NextEntryOffset)
		}
	}
}

func (d *winDir) passEntry(info *fileIDBothDirInfo, fn func(dirEntry) error) error {
	name := windows.UTF16ToString(unsafe.Slice(&info.FileName[0], info.FileNameLength/2))
	if name == "." || name == ".." {
		return nil
	}
	kind := classifyAttributes(info.FileAttributes)
	d.currentName = name
	d.current = fileStat{
		size:       info.EndOfFile,
		modTime:    filetimeToTime(info.LastWriteTime),
		accessTime: filetimeToTime(info.LastAccessTime),
		changeTime: filetimeToTime(info.ChangeTime),
		birthTime:  filetimeToTime(info.CreationTime),
		fileID:     formatWindowsFileID(d.serial, uint64(info.FileID)),
		device:     uint64(d.serial),
		readOnly:   info.FileAttributes&windows.FILE_ATTRIBUTE_READONLY != 0,
		hidden:     info.FileAttributes&windows.FILE_ATTRIBUTE_HIDDEN != 0,
		// NOTE: the enumeration does not report the number of hard links,
		// and opening every file to ask would cost more than the listing,
		// so links is always 1.
		links:   1,
		regular: kind == kindRegular,
		dir:     kind == kindDirectory,
		link:    kind == kindLink,
	}
	return fn(dirEntry{
		name:      name,
		dir:       d.current.dir,
		regular:   d.current.regular,
		link:      d.current.link,
		typeKnown: true,
	})
}

// stat returns the entry that readEntries is passing on from the
// enumeration, and opens any other name relative to the directory.
func (d *winDir) stat(name string) (fileStat, error) {
	if name == d.currentName && name != "" {
		return d.current, nil
	}
	handle, err := openRelative(d.handle, name, windows.FILE_READ_ATTRIBUTES, shareAll, 0)
	if err != nil {
		return fileStat{}, win32Error(err)
	}
	defer windows.CloseHandle(handle)
	return statHandle(handle)
}

// statHandle reports the file that handle is open on.
func statHandle(handle windows.Handle) (fileStat, error) {
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(handle, &info); err != nil {
		return fileStat{}, err
	}
	var basic fileBasicInfo
	err := windows.GetFileInformationByHandleEx(handle, windows.FileBasicInfo,
		(*byte)(unsafe.Pointer(&basic)), uint32(unsafe.Sizeof(basic)))
	if err != nil {
		return fileStat{}, err
	}
	kind := classifyAttributes(info.FileAttributes)
	return fileStat{
		size:       int64(info.FileSizeHigh)<<32 | int64(info.FileSizeLow),
		modTime:    handleTime(info.LastWriteTime),
		accessTime: handleTime(info.LastAccessTime),
		changeTime: filetimeToTime(basic.ChangeTime),
		birthTime:  handleTime(info.CreationTime),
		fileID:     formatWindowsFileID(info.VolumeSerialNumber, fileIndex(&info)),
		device:     uint64(info.VolumeSerialNumber),
		readOnly:   info.FileAttributes&windows.FILE_ATTRIBUTE_READONLY != 0,
		hidden:     info.FileAttributes&windows.FILE_ATTRIBUTE_HIDDEN != 0,
		links:      uint64(info.NumberOfLinks),
		regular:    kind == kindRegular,
		dir:        kind == kindDirectory,
		link:       kind == kindLink,
	}, nil
}

// fileBasicInfo is FILE_BASIC_INFO from the Windows SDK's winbase.h. In
// SetFileInformationByHandle a time of 0 leaves that time unchanged.
type fileBasicInfo struct {
	CreationTime   int64
	LastAccessTime int64
	LastWriteTime  int64
	ChangeTime     int64
	FileAttributes uint32
}

// fileKind is the kind of a directory entry, decided from its attributes.
type fileKind int

const (
	kindRegular fileKind = iota
	kindDirectory
	// kindLink is any reparse point. NOTE: that includes reparse points
	// that are not links, such as deduplicated files and cloud file
	// placeholders, so those are skipped as well.
	kindLink
	// kindDevice is an entry with FILE_ATTRIBUTE_DEVICE, which no file
	// system is supposed to report.
	kindDevice
)

// classifyAttributes decides from a file's attributes whether it is a
// regular file, a directory, or a link that must not be followed. A
// reparse point is a link whether or not it is also a directory, as
// junctions and directory symbolic links are.
func classifyAttributes(attrs uint32) fileKind {
	switch {
	case attrs&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0:
		return kindLink
	case attrs&windows.FILE_ATTRIBUTE_DIRECTORY != 0:
		return kindDirectory
	case attrs&windows.FILE_ATTRIBUTE_DEVICE != 0:
		return kindDevice
	}
	return kindRegular
}

// filetimeToTime converts a FILETIME held in an int64; 0, which file
// systems report for a time they do not keep, becomes the zero time.
func filetimeToTime(ft int64) time.Time {
	if ft == 0 {
		return time.Time{}
	}
	filetime := windows.Filetime{LowDateTime: uint32(ft), HighDateTime: uint32(ft >> 32)}
	return time.Unix(0, filetime.Nanoseconds())
}

// handleTime converts a FILETIME from GetFileInformationByHandle the same
// way as filetimeToTime, so that the two compare equal.
func handleTime(ft windows.Filetime) time.Time {
	return filetimeToTime(int64(ft.HighDateTime)<<32 | int64(ft.LowDateTime))
}

func fileIndex(info *windows.ByHandleFileInformation) uint64 {
	return uint64(info.FileIndexHigh)<<32 | uint64(info.FileIndexLow)
}

// formatWindowsFileID formats a file's identity as the volume serial
// number and the 64-bit file index in hexadecimal, "VVVVVVVV:IIIIIIIIIIIIIIII".
func formatWindowsFileID(serial uint32, index uint64) string {
	return fmt.Sprintf("%08X:%016X", serial, index)
}
