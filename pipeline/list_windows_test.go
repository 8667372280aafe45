package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tempsweep/tempsweep/jsonio"
	"golang.org/x/sys/windows"
)

// These tests run on Windows and under Wine 8.0, which cannot create
// symbolic links or junctions. So the handling of reparse points is covered
// by feeding attributes to classifyAttributes and the checks that use it.

// newTestRoot creates an empty directory that is removed with everything
// in it when the test ends. t.TempDir cannot be used because Wine 8.0 fails
// os.RemoveAll with "Invalid function".
func newTestRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tempsweep-test-")
	if err != nil {
		t.Fatal(err)
	}
	root, err := absRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := removeTree(root); err != nil {
			t.Errorf("remove test directory: %v", err)
		}
	})
	return root
}

// removeTree removes path and everything below it one entry at a time,
// through extended-length paths so that long names and names ending in a
// dot or a space go too.
func removeTree(path string) error {
	long := win32Path(path)
	entries, err := os.ReadDir(long)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, entry := range entries {
		child := joinPath(path, entry.Name())
		if entry.IsDir() {
			if err := removeTree(child); err != nil {
				return err
			}
			continue
		}
		os.Chmod(win32Path(child), 0o666)
		if err := os.Remove(win32Path(child)); err != nil {
			return err
		}
	}
	return os.Remove(long)
}

// createFile writes size zero bytes to path, creating its directories.
func createFile(t *testing.T, path string, size int) {
	t.Helper()
	dir := path[:strings.LastIndexByte(path, '\\')]
	if err := os.MkdirAll(win32Path(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(win32Path(path), make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
}

// listRoot lists root with opts and returns the records by path.
func listRoot(t *testing.T, root string, opts ListOptions) map[string]*FileRecord {
	t.Helper()
	lister, err := NewLister(opts)
	if err != nil {
		t.Fatal(err)
	}
	records := make(map[string]*FileRecord)
	err = lister.List(context.Background(), root, func(rec *FileRecord) error {
		records[rec.Path] = rec
		return nil
	}, func(err error) { t.Errorf("list warning: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	return records
}

// recordObject returns rec as the JSON object that delete reads.
func recordObject(t *testing.T, rec *FileRecord) jsonio.Object {
	t.Helper()
	raw, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := jsonio.ParseObject(raw)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// fileInfoByPath opens path and returns what GetFileInformationByHandle
// reports about it.
func fileInfoByPath(t *testing.T, path string) windows.ByHandleFileInformation {
	t.Helper()
	name, err := windows.UTF16PtrFromString(win32Path(path))
	if err != nil {
		t.Fatal(err)
	}
	handle, err := windows.CreateFile(name, windows.FILE_READ_ATTRIBUTES, shareAll, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(handle)
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(handle, &info); err != nil {
		t.Fatal(err)
	}
	return info
}

var fileIDPattern = regexp.MustCompile(`^[0-9A-F]{8}:[0-9A-F]{16}$`)

func TestListRecordFields(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "session.mmp")
	createFile(t, path, 2048)
	modTime := time.Date(2024, 3, 1, 12, 30, 45, 123456700, time.UTC)
	if err := os.Chtimes(path, modTime, modTime); err != nil {
		t.Fatal(err)
	}
	listedAt := time.Date(2024, 3, 2, 12, 30, 45, 0, time.UTC)

	records := listRoot(t, root, ListOptions{Host: "web01", Now: func() time.Time { return listedAt }})
	rec := records[path]
	if rec == nil {
		t.Fatalf("no record for %s in %v", path, records)
	}
	info := fileInfoByPath(t, path)
	wantID := formatWindowsFileID(info.VolumeSerialNumber, fileIndex(&info))
	checks := []struct {
		field     string
		got, want any
	}{
		{"type", rec.Type, "file"},
		{"root", rec.Root, root},
		{"name", rec.Name, "session.mmp"},
		{"ext", rec.Ext, ".mmp"},
		{"size", rec.Size, int64(2048)},
		{"modTime", rec.ModTime, "2024-03-01T12:30:45.1234567Z"},
		{"accessTime", rec.AccessTime, "2024-03-01T12:30:45.1234567Z"},
		{"age", rec.Age, int64(86399)},
		{"listedAt", rec.ListedAt, "2024-03-02T12:30:45Z"},
		{"host", rec.Host, "web01"},
		{"fileId", rec.FileID, wantID},
		{"readOnly", rec.ReadOnly, false},
		{"hidden", rec.Hidden, false},
		{"links", rec.Links, uint64(1)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	if !fileIDPattern.MatchString(rec.FileID) {
		t.Errorf("fileId %q does not have the form VVVVVVVV:IIIIIIIIIIIIIIII", rec.FileID)
	}
	if rec.BirthTime == "" {
		t.Error("birthTime is empty")
	}
	if rec.ChangeTime == "" {
		t.Error("changeTime is empty")
	}
}

func TestListReadOnlyAndHidden(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "flags.mmp")
	createFile(t, path, 1)
	name, _ := windows.UTF16PtrFromString(path)
	attrs := uint32(windows.FILE_ATTRIBUTE_READONLY | windows.FILE_ATTRIBUTE_HIDDEN)
	if err := windows.SetFileAttributes(name, attrs); err != nil {
		t.Fatal(err)
	}

	rec := listRoot(t, root, ListOptions{})[path]
	if rec == nil {
		t.Fatalf("no record for %s", path)
	}
	if !rec.ReadOnly {
		t.Error("readOnly = false, want true")
	}
	if !rec.Hidden {
		t.Error("hidden = false, want true")
	}
}

func TestListMatchIgnoresCase(t *testing.T) {
	root := newTestRoot(t)
	for _, name := range []string{"UPPER.MMP", "lower.mmp", "Mixed.Mmp", "other.txt"} {
		createFile(t, joinPath(root, name), 1)
	}
	tests := []struct {
		match, exclude []string
		want           []string
	}{
		{[]string{"*.mmp"}, nil, []string{"UPPER.MMP", "lower.mmp", "Mixed.Mmp"}},
		{[]string{"*.MMP"}, nil, []string{"UPPER.MMP", "lower.mmp", "Mixed.Mmp"}},
		{[]string{"[l]*"}, nil, []string{"lower.mmp"}},
		{[]string{"*.mmp"}, []string{"u*", "MIXED.*"}, []string{"lower.mmp"}},
	}
	for _, tt := range tests {
		records := listRoot(t, root, ListOptions{Match: tt.match, Exclude: tt.exclude})
		if len(records) != len(tt.want) {
			t.Errorf("match %q exclude %q: %d records, want %d", tt.match, tt.exclude, len(records), len(tt.want))
		}
		for _, name := range tt.want {
			if records[joinPath(root, name)] == nil {
				t.Errorf("match %q exclude %q: no record for %s", tt.match, tt.exclude, name)
			}
		}
	}
}

func TestListNamesEndingInDotOrSpace(t *testing.T) {
	root := newTestRoot(t)
	names := []string{"trailing dot.", "trailing space ", "dir. "}
	createFile(t, joinPath(root, names[0]), 3)
	createFile(t, joinPath(root, names[1]), 4)
	createFile(t, joinPath(joinPath(root, names[2]), "inner."), 5)

	records := listRoot(t, root, ListOptions{Recursive: true})
	for _, path := range []string{
		joinPath(root, names[0]),
		joinPath(root, names[1]),
		joinPath(joinPath(root, names[2]), "inner."),
	} {
		if records[path] == nil {
			t.Errorf("no record for %q in %d records", path, len(records))
		}
	}
}

// deepPath returns a path below root that is longer than MAX_PATH.
func deepPath(root string) string {
	path := root
	for i := 0; len(path) <= 300; i++ {
		path = joinPath(path, strings.Repeat(string(rune('a'+i%26)), 40))
	}
	return joinPath(path, "deep.mmp")
}

func TestListPathLongerThanMaxPath(t *testing.T) {
	root := newTestRoot(t)
	path := deepPath(root)
	createFile(t, path, 7)

	records := listRoot(t, root, ListOptions{Recursive: true})
	rec := records[path]
	if rec == nil {
		t.Fatalf("no record for the %d-character path in %d records", len(path), len(records))
	}
	if rec.Size != 7 {
		t.Errorf("size = %d, want 7", rec.Size)
	}
}

func TestListSkipsSubdirectoriesWithoutRecursive(t *testing.T) {
	root := newTestRoot(t)
	createFile(t, joinPath(root, "top.mmp"), 1)
	createFile(t, joinPath(joinPath(root, "sub"), "below.mmp"), 1)

	records := listRoot(t, root, ListOptions{})
	if len(records) != 1 || records[joinPath(root, "top.mmp")] == nil {
		t.Errorf("records = %v, want top.mmp only", records)
	}
}

func TestListRootThatIsFileFails(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "file.mmp")
	createFile(t, path, 1)
	lister, err := NewLister(ListOptions{})
	if err != nil {
		t.Fatal(err)
	}

	err = lister.List(context.Background(), path, func(*FileRecord) error { return nil }, func(error) {})
	var rootErr *RootError
	if !errors.As(err, &rootErr) {
		t.Errorf("List(file) = %v, want a *RootError", err)
	}
}

func TestListMissingRootFails(t *testing.T) {
	root := newTestRoot(t)
	lister, err := NewLister(ListOptions{})
	if err != nil {
		t.Fatal(err)
	}

	err = lister.List(context.Background(), joinPath(root, "missing"), func(*FileRecord) error { return nil }, func(error) {})
	if !errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		t.Errorf("List(missing) = %v, want ERROR_FILE_NOT_FOUND", err)
	}
}

func TestClassifyAttributes(t *testing.T) {
	tests := []struct {
		name  string
		attrs uint32
		want  fileKind
	}{
		{"normal file", windows.FILE_ATTRIBUTE_NORMAL, kindRegular},
		{"archive read-only file", windows.FILE_ATTRIBUTE_ARCHIVE | windows.FILE_ATTRIBUTE_READONLY, kindRegular},
		{"directory", windows.FILE_ATTRIBUTE_DIRECTORY, kindDirectory},
		{"junction", windows.FILE_ATTRIBUTE_DIRECTORY | windows.FILE_ATTRIBUTE_REPARSE_POINT, kindLink},
		{"file symbolic link", windows.FILE_ATTRIBUTE_ARCHIVE | windows.FILE_ATTRIBUTE_REPARSE_POINT, kindLink},
		{"device", windows.FILE_ATTRIBUTE_DEVICE, kindDevice},
	}
	for _, tt := range tests {
		if got := classifyAttributes(tt.attrs); got != tt.want {
			t.Errorf("%s (%#x): kind %d, want %d", tt.name, tt.attrs, got, tt.want)
		}
	}
}
