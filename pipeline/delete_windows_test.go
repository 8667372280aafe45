package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tempsweep/tempsweep/jsonio"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

func newWindowsDeleter(t *testing.T, opts DeleteOptions) *Deleter {
	t.Helper()
	d, err := NewDeleter(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

func fileExists(path string) bool {
	_, err := os.Lstat(win32Path(path))
	return err == nil
}

func checkOutcome(t *testing.T, got Outcome, action Action, reason Reason) {
	t.Helper()
	if got.Action != action || got.Reason != reason {
		t.Errorf("outcome = %s/%s (%v), want %s/%s", got.Action, got.Reason, got.Err, action, reason)
	}
}

// listOne lists root recursively and returns the record of path.
func listOne(t *testing.T, root, path string) jsonio.Object {
	t.Helper()
	rec := listRoot(t, root, ListOptions{Recursive: true})[path]
	if rec == nil {
		t.Fatalf("no record for %s", path)
	}
	return recordObject(t, rec)
}

// withPath returns a copy of obj whose path is path.
func withPath(t *testing.T, obj jsonio.Object, path string) jsonio.Object {
	t.Helper()
	raw, err := json.Marshal(path)
	if err != nil {
		t.Fatal(err)
	}
	out := slices.Clone(obj)
	out.Set("path", raw)
	return out
}

func TestDeleteListedFiles(t *testing.T) {
	root := newTestRoot(t)
	paths := []string{
		joinPath(root, "a.mmp"),
		joinPath(joinPath(root, "sub"), "b.mmp"),
		joinPath(root, "trailing dot."),
		joinPath(root, "trailing space "),
		deepPath(root),
	}
	for i, path := range paths {
		createFile(t, path, 10+i)
	}
	records := listRoot(t, root, ListOptions{Recursive: true})
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})

	for _, path := range paths {
		rec := records[path]
		if rec == nil {
			t.Errorf("no record for %s", path)
			continue
		}
		checkOutcome(t, d.Process(context.Background(), recordObject(t, rec)), ActionDeleted, "")
		if fileExists(path) {
			t.Errorf("%s still exists", path)
		}
	}
}

func TestDeleteDryRunChangesNothing(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "a.mmp")
	createFile(t, path, 10)
	obj := listOne(t, root, path)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}, DryRun: true})

	checkOutcome(t, d.Process(context.Background(), obj), ActionWouldDelete, "")
	if !fileExists(path) {
		t.Error("dry run deleted the file")
	}
}

func TestDeleteFileChangedAfterListing(t *testing.T) {
	root := newTestRoot(t)
	grown := joinPath(root, "grown.mmp")
	touched := joinPath(root, "touched.mmp")
	replaced := joinPath(root, "replaced.mmp")
	for _, path := range []string{grown, touched, replaced} {
		createFile(t, path, 10)
	}
	records := listRoot(t, root, ListOptions{})
	createFile(t, grown, 11)
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(touched, later, later); err != nil {
		t.Fatal(err)
	}
	// The new file exists before the old one goes, so it cannot reuse the
	// old file's index. It gets the old file's size and time.
	info, err := os.Stat(replaced)
	if err != nil {
		t.Fatal(err)
	}
	replacement := joinPath(root, "replacement.tmp")
	createFile(t, replacement, 10)
	if err := os.Chtimes(replacement, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(replacement, replaced); err != nil {
		t.Fatal(err)
	}
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})

	for _, path := range []string{grown, touched, replaced} {
		checkOutcome(t, d.Process(context.Background(), recordObject(t, records[path])), ActionSkipped, ReasonChanged)
		if !fileExists(path) {
			t.Errorf("%s was deleted", path)
		}
	}
}

func TestDeleteRootComparedIgnoringCase(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "Case.mmp")
	createFile(t, path, 10)
	obj := listOne(t, root, path)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{strings.ToLower(root)}})

	checkOutcome(t, d.Process(context.Background(), withPath(t, obj, strings.ToUpper(path))), ActionDeleted, "")
	if fileExists(path) {
		t.Error("file still exists")
	}
}

func TestDeleteRecordPathForms(t *testing.T) {
	root := newTestRoot(t)
	forms := map[string]func(string) string{
		"forward slashes":      func(p string) string { return strings.ReplaceAll(p, `\`, "/") },
		"extended-length form": win32Path,
		"NT form":              func(p string) string { return `\??\` + p },
		"doubled separators":   func(p string) string { return p[:3] + strings.ReplaceAll(p[3:], `\`, `\\`) },
	}
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})
	for name, form := range forms {
		path := joinPath(joinPath(root, "sub"), name+".mmp")
		createFile(t, path, 10)
		obj := listOne(t, root, path)

		checkOutcome(t, d.Process(context.Background(), withPath(t, obj, form(path))), ActionDeleted, "")
		if fileExists(path) {
			t.Errorf("%s: file still exists", name)
		}
	}
}

func TestDeleteOutsideRoot(t *testing.T) {
	parent := newTestRoot(t)
	root := joinPath(parent, "Web")
	sibling := joinPath(parent, "Webtemp")
	tests := []struct {
		name, file, recordPath string
	}{
		{"sibling with root as prefix", joinPath(sibling, "a.mmp"), joinPath(sibling, "a.mmp")},
		{"sibling in other case", joinPath(sibling, "b.mmp"), joinPath(strings.ToUpper(sibling), "b.mmp")},
		{"parent of root", joinPath(parent, "c.mmp"), joinPath(parent, "c.mmp")},
		{"dot dot", joinPath(parent, "d.mmp"), joinPath(joinPath(root, ".."), "d.mmp")},
	}
	createFile(t, joinPath(root, "keep.mmp"), 1)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})
	for _, tt := range tests {
		createFile(t, tt.file, 10)
		obj := withPath(t, listOne(t, parent, tt.file), tt.recordPath)

		got := d.Process(context.Background(), obj)
		if got.Action != ActionSkipped || got.Reason != ReasonOutsideRoot {
			t.Errorf("%s: outcome = %s/%s (%v), want skipped/outside-root", tt.name, got.Action, got.Reason, got.Err)
		}
		if !fileExists(tt.file) {
			t.Errorf("%s: %s was deleted", tt.name, tt.file)
		}
	}
}

func TestDeleteRootItself(t *testing.T) {
	root := newTestRoot(t)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})
	obj := objectFromText(t, fmt.Sprintf(`{"path":%q,"size":0,"modTime":"2024-01-01T00:00:00Z"}`, root))

	checkOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonNotRegular)
}

func objectFromText(t *testing.T, text string) jsonio.Object {
	t.Helper()
	obj, err := jsonio.ParseObject([]byte(text))
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return obj
}

func TestDeleteDirectoryRecord(t *testing.T) {
	root := newTestRoot(t)
	dir := joinPath(root, "sub")
	createFile(t, joinPath(dir, "a.mmp"), 1)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})
	obj := objectFromText(t, fmt.Sprintf(`{"path":%q,"size":0,"modTime":"2024-01-01T00:00:00Z"}`, dir))

	checkOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonNotRegular)
	if !fileExists(dir) {
		t.Error("directory was deleted")
	}
}

func TestDeleteNotFound(t *testing.T) {
	root := newTestRoot(t)
	file := joinPath(root, "file.mmp")
	createFile(t, file, 10)
	obj := listOne(t, root, file)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})
	tests := map[string]string{
		"missing file":            joinPath(root, "missing.mmp"),
		"missing directory":       joinPath(joinPath(root, "missing"), "a.mmp"),
		"file used as directory":  joinPath(file, "a.mmp"),
		"wildcard in name":        joinPath(root, "*.mmp"),
		"missing trailing dot":    joinPath(root, "file.mmp."),
		"missing trailing spaces": joinPath(root, "file.mmp  "),
	}
	for name, path := range tests {
		got := d.Process(context.Background(), withPath(t, obj, path))
		if got.Action != ActionSkipped || got.Reason != ReasonNotFound {
			t.Errorf("%s: outcome = %s/%s (%v), want skipped/not-found", name, got.Action, got.Reason, got.Err)
		}
	}
	if !fileExists(file) {
		t.Error("file.mmp was deleted")
	}
}

func TestDeleteAlternateDataStreamRejected(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "a.mmp")
	createFile(t, path, 10)
	obj := listOne(t, root, path)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})

	for _, stream := range []string{path + "::$DATA", path + ":extra"} {
		checkOutcome(t, d.Process(context.Background(), withPath(t, obj, stream)), ActionSkipped, ReasonInvalidRecord)
	}
	if !fileExists(path) {
		t.Error("file was deleted")
	}
}

func setReadOnly(t *testing.T, path string) {
	t.Helper()
	name, err := windows.UTF16PtrFromString(win32Path(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetFileAttributes(name, windows.FILE_ATTRIBUTE_READONLY); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteReadOnly(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "ro.mmp")
	createFile(t, path, 10)
	setReadOnly(t, path)
	obj := listOne(t, root, path)

	plain := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})
	checkOutcome(t, plain.Process(context.Background(), obj), ActionSkipped, ReasonReadOnly)
	if !fileExists(path) {
		t.Fatal("read-only file deleted without --force")
	}
	forced := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}, Force: true})
	checkOutcome(t, forced.Process(context.Background(), obj), ActionDeleted, "")
	if fileExists(path) {
		t.Error("read-only file still exists after --force")
	}
}

// A handle without DELETE access lets the attribute be cleared but not the
// file be deleted, which is how a failed deletion is provoked here.
func TestDeleteByHandleRestoresReadOnly(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "ro.mmp")
	createFile(t, path, 10)
	setReadOnly(t, path)
	name, _ := windows.UTF16PtrFromString(win32Path(path))
	handle, err := windows.CreateFile(name, windows.FILE_READ_ATTRIBUTES|windows.FILE_WRITE_ATTRIBUTES,
		shareAll, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(handle)

	got := deleteByHandle(handle, path, windows.FILE_ATTRIBUTE_READONLY)
	checkOutcome(t, got, ActionFailed, ReasonDenied)
	if attrs := fileInfoByPath(t, path).FileAttributes; attrs&windows.FILE_ATTRIBUTE_READONLY == 0 {
		t.Errorf("attributes after the failed deletion = %#x, want read-only", attrs)
	}
}

func TestDeleteFileOpenWithDeleteSharing(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "open.mmp")
	createFile(t, path, 10)
	obj := listOne(t, root, path)
	name, _ := windows.UTF16PtrFromString(win32Path(path))
	handle, err := windows.CreateFile(name, windows.GENERIC_READ, shareAll, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(handle)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})

	checkOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonOpen)
	if !fileExists(path) {
		t.Error("open file was deleted")
	}
}

// holdFileEnv names the file that the test binary, started again as a
// helper process, keeps open without sharing deletion.
const holdFileEnv = "TEMPSWEEP_TEST_HOLD_FILE"

// TestHoldFileHelper is the body of the helper process that
// startFileHolder starts, not a test. It opens the file, prints "ready" and keeps
// the file open until its stdin is closed.
func TestHoldFileHelper(t *testing.T) {
	path := os.Getenv(holdFileEnv)
	if path == "" {
		t.Skip("runs only as the helper process of the locked-file tests")
	}
	name, err := windows.UTF16PtrFromString(win32Path(path))
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	handle, err := windows.CreateFile(name, windows.GENERIC_READ, windows.FILE_SHARE_READ, nil,
		windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	windows.CloseHandle(handle)
	os.Exit(0)
}

// startFileHolder starts a process that holds path open with read sharing
// only, and returns once the file is open.
func startFileHolder(t *testing.T, path string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldFileHelper$")
	cmd.Env = append(os.Environ(), holdFileEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("helper process did not open the file: %q %v", line, err)
	}
}

func TestDeleteFileLockedByAnotherProcess(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "locked.mmp")
	createFile(t, path, 10)
	obj := listOne(t, root, path)
	startFileHolder(t, path)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}})

	checkOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonLocked)
	if !fileExists(path) {
		t.Error("locked file was deleted")
	}
}

const sessionManagerKey = `SYSTEM\CurrentControlSet\Control\Session Manager`

// pendingDeletions returns the NT paths that PendingFileRenameOperations
// lists for deletion at restart.
func pendingDeletions(t *testing.T) []string {
	t.Helper()
	key, err := registry.OpenKey(registry.LOCAL_MACHINE, sessionManagerKey, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()
	pairs, _, err := key.GetStringsValue("PendingFileRenameOperations")
	if err != nil {
		t.Fatalf("read PendingFileRenameOperations: %v", err)
	}
	var deletions []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			deletions = append(deletions, pairs[i])
		}
	}
	return deletions
}

// unschedule removes the pending deletion of ntPath, so that the test
// leaves nothing to happen at the next restart.
func unschedule(t *testing.T, ntPath string) {
	key, err := registry.OpenKey(registry.LOCAL_MACHINE, sessionManagerKey, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		t.Errorf("open Session Manager key: %v", err)
		return
	}
	defer key.Close()
	pairs, _, err := key.GetStringsValue("PendingFileRenameOperations")
	if err != nil {
		return
	}
	var kept []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.EqualFold(pairs[i], ntPath) {
			kept = append(kept, pairs[i], pairs[i+1])
		}
	}
	if len(kept) == 0 {
		err = key.DeleteValue("PendingFileRenameOperations")
	} else {
		err = key.SetStringsValue("PendingFileRenameOperations", kept)
	}
	if err != nil {
		t.Errorf("remove the test's pending deletion: %v", err)
	}
}

func TestDeleteLockedFileScheduledAtRestart(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "locked.mmp")
	createFile(t, path, 10)
	obj := listOne(t, root, path)
	startFileHolder(t, path)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}, OnLocked: "reboot"})

	got := d.Process(context.Background(), obj)
	if got.Reason == ReasonNeedsAdmin {
		t.Skipf("scheduling needs administrator rights: %v", got.Err)
	}
	checkOutcome(t, got, ActionScheduled, "")
	ntPath := `\??\` + path
	t.Cleanup(func() { unschedule(t, ntPath) })
	if deletions := pendingDeletions(t); !slices.ContainsFunc(deletions, func(p string) bool {
		return strings.EqualFold(p, ntPath)
	}) {
		t.Errorf("PendingFileRenameOperations deletions = %q, want %q among them", deletions, ntPath)
	}
	if !fileExists(path) {
		t.Error("locked file was deleted now, not at restart")
	}
}

func TestDeleteLockedChangedFileNotScheduled(t *testing.T) {
	root := newTestRoot(t)
	path := joinPath(root, "locked.mmp")
	createFile(t, path, 10)
	obj := listOne(t, root, path)
	createFile(t, path, 12)
	startFileHolder(t, path)
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}, OnLocked: "reboot"})

	checkOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonChanged)
}

func TestShortNamesExpanded(t *testing.T) {
	root := newTestRoot(t)
	dir := joinPath(root, "Long Directory Name")
	path := joinPath(dir, "session file.mmp")
	createFile(t, path, 10)
	obj := listOne(t, root, path)
	short := shortPathName(t, path)
	if !strings.Contains(short, "~") {
		t.Skipf("the file system made no short names: %s", short)
	}

	if got := cleanRecordPath(short); got != path {
		t.Errorf("cleanRecordPath(%s) = %s, want %s", short, got, path)
	}
	shortRoot := shortPathName(t, dir)
	if got, err := absRoot(shortRoot); err != nil || got != dir {
		t.Errorf("absRoot(%s) = %s, %v, want %s", shortRoot, got, err, dir)
	}
	missing := joinPath(shortRoot, "gone.mmp")
	if got := cleanRecordPath(missing); got != joinPath(dir, "gone.mmp") {
		t.Errorf("cleanRecordPath(%s) = %s, want the directory expanded", missing, got)
	}
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{shortRoot}})
	checkOutcome(t, d.Process(context.Background(), withPath(t, obj, short)), ActionDeleted, "")
	if fileExists(path) {
		t.Error("file still exists")
	}
}

func shortPathName(t *testing.T, path string) string {
	t.Helper()
	long, err := windows.UTF16PtrFromString(path)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]uint16, 1024)
	n, err := windows.GetShortPathName(long, &buf[0], uint32(len(buf)))
	if err != nil {
		t.Fatalf("GetShortPathName(%s): %v", path, err)
	}
	return windows.UTF16ToString(buf[:n])
}

func TestCheckComponentRejectsReparsePoints(t *testing.T) {
	r := &winRoot{path: `C:\Web`, serial: 0x1234}
	tests := []struct {
		name   string
		attrs  uint32
		serial uint32
		want   Reason
	}{
		{"directory", windows.FILE_ATTRIBUTE_DIRECTORY, 0x1234, ""},
		{"junction", windows.FILE_ATTRIBUTE_DIRECTORY | windows.FILE_ATTRIBUTE_REPARSE_POINT, 0x1234, ReasonLinkInPath},
		{"directory on other volume", windows.FILE_ATTRIBUTE_DIRECTORY, 0x9999, ReasonLinkInPath},
	}
	for _, tt := range tests {
		out, _ := r.checkComponent(`C:\Web\sub`, tt.attrs, tt.serial)
		if out.Reason != tt.want {
			t.Errorf("%s: reason %q (%v), want %q", tt.name, out.Reason, out.Err, tt.want)
		}
	}
}

func TestCheckFileRejectsReparsePoints(t *testing.T) {
	r := &winRoot{path: `C:\Web`, serial: 0x1234}
	modTime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	filetime := windows.NsecToFiletime(modTime.UnixNano())
	tgt := target{path: `C:\Web\a.mmp`, fileID: "00001234:0000000000000042", size: 10, modTime: modTime}
	tests := []struct {
		name  string
		attrs uint32
		force bool
		want  Reason
	}{
		{"regular file", windows.FILE_ATTRIBUTE_ARCHIVE, false, ""},
		{"file symbolic link", windows.FILE_ATTRIBUTE_REPARSE_POINT, false, ReasonLinkInPath},
		{"directory symbolic link", windows.FILE_ATTRIBUTE_DIRECTORY | windows.FILE_ATTRIBUTE_REPARSE_POINT, false, ReasonLinkInPath},
		{"directory", windows.FILE_ATTRIBUTE_DIRECTORY, false, ReasonNotRegular},
		{"read-only file", windows.FILE_ATTRIBUTE_READONLY, false, ReasonReadOnly},
		{"read-only file with force", windows.FILE_ATTRIBUTE_READONLY, true, ""},
	}
	for _, tt := range tests {
		info := windows.ByHandleFileInformation{
			FileAttributes:     tt.attrs,
			LastWriteTime:      filetime,
			VolumeSerialNumber: 0x1234,
			FileSizeLow:        10,
			FileIndexLow:       0x42,
		}
		out, _ := r.checkFile(tgt.path, &info, tgt, removeRequest{force: tt.force})
		if out.Reason != tt.want {
			t.Errorf("%s: reason %q (%v), want %q", tt.name, out.Reason, out.Err, tt.want)
		}
	}
}
