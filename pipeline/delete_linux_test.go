package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tempsweep/tempsweep/jsonio"
	"golang.org/x/sys/unix"
)

// listRecords lists dir recursively and returns each file's record as a
// JSON object, keyed by the path relative to dir.
func listRecords(t *testing.T, dir string) map[string]jsonio.Object {
	t.Helper()
	lister, err := NewLister(ListOptions{Recursive: true, Host: "test"})
	if err != nil {
		t.Fatal(err)
	}
	records := make(map[string]jsonio.Object)
	err = lister.List(context.Background(), dir, func(rec *FileRecord) error {
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		obj, err := jsonio.ParseObject(raw)
		if err != nil {
			return err
		}
		path := rec.Path
		if rec.PathBytes != nil {
			path = string(rec.PathBytes)
		}
		rel, _ := filepath.Rel(dir, path)
		records[rel] = obj
		return nil
	}, func(err error) { t.Errorf("list warning: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	return records
}

func writeFile(t *testing.T, path string, size int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
}

// holdOpen starts a process that keeps path open until the test ends.
func holdOpen(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	holder := exec.Command("sleep", "30")
	holder.Stdin = f
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	return holder
}

// statInDir opens dir, closed when the test ends, and stats name in it.
func statInDir(t *testing.T, dir, name string) (int, unix.Statx_t) {
	t.Helper()
	dirfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(dirfd) })
	var stx unix.Statx_t
	if err := unix.Statx(dirfd, name, 0, unix.STATX_BASIC_STATS, &stx); err != nil {
		t.Fatal(err)
	}
	return dirfd, stx
}

func newTestDeleter(t *testing.T, opts DeleteOptions) *Deleter {
	t.Helper()
	d, err := NewDeleter(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func objectFromJSON(t *testing.T, text string) jsonio.Object {
	t.Helper()
	obj, err := jsonio.ParseObject([]byte(text))
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return obj
}

func assertOutcome(t *testing.T, got Outcome, action Action, reason Reason) {
	t.Helper()
	if got.Action != action || got.Reason != reason {
		t.Errorf("outcome = %s/%s (%v), want %s/%s", got.Action, got.Reason, got.Err, action, reason)
	}
}

func TestDeleteListedFiles(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.mmp"), 10)
	writeFile(t, filepath.Join(root, "sub", "b.mmp"), 20)
	records := listRecords(t, root)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	for rel, obj := range records {
		assertOutcome(t, d.Process(context.Background(), obj), ActionDeleted, "")
		if exists(filepath.Join(root, rel)) {
			t.Errorf("%s still exists", rel)
		}
	}
}

func TestDeleteDryRunChangesNothing(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.mmp"), 10)
	obj := listRecords(t, root)["a.mmp"]
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}, DryRun: true})
	assertOutcome(t, d.Process(context.Background(), obj), ActionWouldDelete, "")
	if !exists(filepath.Join(root, "a.mmp")) {
		t.Error("dry run deleted the file")
	}
}

func TestDeleteFolderSwappedForSymlink(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeFile(t, filepath.Join(root, "sub", "victim.mmp"), 10)
	writeFile(t, filepath.Join(outside, "victim.mmp"), 10)
	obj := listRecords(t, root)["sub/victim.mmp"]
	// Make the outside file look identical apart from its inode.
	modTime := time.Unix(1700000000, 0)
	os.Chtimes(filepath.Join(outside, "victim.mmp"), modTime, modTime)
	if err := os.RemoveAll(filepath.Join(root, "sub")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "sub")); err != nil {
		t.Fatal(err)
	}
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonLinkInPath)
	if !exists(filepath.Join(outside, "victim.mmp")) {
		t.Error("file behind the symlink was deleted")
	}
}

func TestDeleteSymlinkRecordWithoutFileID(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	target := filepath.Join(outside, "precious.mmp")
	writeFile(t, target, 8)
	os.Symlink(target, filepath.Join(root, "link.mmp"))
	st, _ := os.Stat(target)
	obj := objectFromJSON(t, `{"path":"`+filepath.Join(root, "link.mmp")+`","size":8,"modTime":"`+
		st.ModTime().UTC().Format(time.RFC3339Nano)+`"}`)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonLinkInPath)
	if !exists(target) || !exists(filepath.Join(root, "link.mmp")) {
		t.Error("link or its target was deleted")
	}
}

func TestDeleteFileChangedAfterListing(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "a.mmp")
	writeFile(t, path, 10)
	obj := listRecords(t, root)["a.mmp"]
	writeFile(t, path, 11)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	got := d.Process(context.Background(), obj)
	assertOutcome(t, got, ActionSkipped, ReasonChanged)
	if got.Err == nil || !strings.Contains(got.Err.Error(), "size is 11") {
		t.Errorf("error = %v, want it to name the new size", got.Err)
	}
	if !exists(path) {
		t.Error("changed file was deleted")
	}
}

func TestDeleteFileReplacedSameSizeAndTime(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "a.mmp")
	writeFile(t, path, 10)
	st, _ := os.Stat(path)
	obj := listRecords(t, root)["a.mmp"]
	replacement := filepath.Join(root, "new.tmp")
	writeFile(t, replacement, 10)
	os.Chtimes(replacement, st.ModTime(), st.ModTime())
	if err := os.Rename(replacement, path); err != nil {
		t.Fatal(err)
	}
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	got := d.Process(context.Background(), obj)
	assertOutcome(t, got, ActionSkipped, ReasonChanged)
	if got.Err == nil || !strings.Contains(got.Err.Error(), "fileId") {
		t.Errorf("error = %v, want it to name the fileId", got.Err)
	}
}

func TestDeleteOutsideRoot(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "a.mmp"), 4)
	obj := listRecords(t, outside)["a.mmp"]
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonOutsideRoot)
	if !exists(filepath.Join(outside, "a.mmp")) {
		t.Error("file outside the root was deleted")
	}
}

func TestDeleteDotDotPath(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	writeFile(t, filepath.Join(root, "keep.mmp"), 1)
	writeFile(t, filepath.Join(parent, "a.mmp"), 4)
	obj := listRecords(t, parent)["a.mmp"]
	obj.Set("path", mustMarshal(t, root+"/../a.mmp"))
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonOutsideRoot)
	if !exists(filepath.Join(parent, "a.mmp")) {
		t.Error("file reached through .. was deleted")
	}
}

func TestDeleteRootPrefixSibling(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "web")
	sibling := filepath.Join(parent, "webtemp")
	writeFile(t, filepath.Join(root, "keep"), 1)
	writeFile(t, filepath.Join(sibling, "a.mmp"), 4)
	obj := listRecords(t, sibling)["a.mmp"]
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonOutsideRoot)
}

func TestDeleteDirectoryRecord(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "sub.mmp")
	os.Mkdir(dir, 0o755)
	st, _ := os.Stat(dir)
	obj := objectFromJSON(t, `{"path":"`+dir+`","size":`+jsonInt(st.Size())+`,"modTime":"`+
		st.ModTime().UTC().Format(time.RFC3339Nano)+`"}`)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonNotRegular)
	if !exists(dir) {
		t.Error("directory was deleted")
	}
}

func TestDeleteRootItself(t *testing.T) {
	root := t.TempDir()
	obj := objectFromJSON(t, `{"path":"`+root+`","size":0,"modTime":"2024-01-01T00:00:00Z"}`)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonNotRegular)
}

func TestDeleteFileHeldOpen(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "held.mmp")
	writeFile(t, path, 10)
	obj := listRecords(t, root)["held.mmp"]
	holdOpen(t, path)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	got := d.Process(context.Background(), obj)
	assertOutcome(t, got, ActionSkipped, ReasonOpen)
	if !exists(path) {
		t.Error("open file was deleted")
	}
}

func TestDeleteReadOnly(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "ro.mmp")
	writeFile(t, path, 10)
	os.Chmod(path, 0o444)
	obj := listRecords(t, root)["ro.mmp"]
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonReadOnly)
	if !exists(path) {
		t.Error("read-only file was deleted without --force")
	}
	forced := newTestDeleter(t, DeleteOptions{Roots: []string{root}, Force: true})
	assertOutcome(t, forced.Process(context.Background(), obj), ActionDeleted, "")
}

func TestDeleteMalformedRecords(t *testing.T) {
	root := t.TempDir()
	cases := []string{
		`{}`,
		`{"path":"relative/a.mmp","size":1,"modTime":"2024-01-01T00:00:00Z"}`,
		`{"path":"` + root + `/a","size":"big","modTime":"2024-01-01T00:00:00Z"}`,
		`{"path":"` + root + `/a","size":-1,"modTime":"2024-01-01T00:00:00Z"}`,
		`{"path":"` + root + `/a","size":1}`,
		`{"path":"` + root + `/a","size":1,"modTime":"yesterday"}`,
		`{"path":"` + root + `/a","size":1,"modTime":"2024-01-01T00:00:00Z","fileId":7}`,
		`{"type":"service","name":"W3SVC","path":"` + root + `/a","size":1,"modTime":"2024-01-01T00:00:00Z"}`,
		`{"path":42,"size":1,"modTime":"2024-01-01T00:00:00Z"}`,
		`{"pathBytes":"not base64!","size":1,"modTime":"2024-01-01T00:00:00Z"}`,
		`{"path":"/tmp/a\u0000b","pathBytes":"L3RtcC9hAGI=","size":1,"modTime":"2024-01-01T00:00:00Z"}`,
		`{"path":"/tmp/harmless.tmp","pathBytes":"L3RtcC9pbXBvcnRhbnQuZGI=","size":1,"modTime":"2024-01-01T00:00:00Z"}`,
		`{"pathBytes":"L3RtcC9pbXBvcnRhbnQuZGI=","size":1,"modTime":"2024-01-01T00:00:00Z"}`,
	}
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	for _, text := range cases {
		got := d.Process(context.Background(), objectFromJSON(t, text))
		if got.Action != ActionSkipped || got.Reason != ReasonInvalidRecord {
			t.Errorf("%s: outcome = %s/%s, want skipped/invalid-record", text, got.Action, got.Reason)
		}
		if got.Err == nil {
			t.Errorf("%s: no error message", text)
		}
	}
}

func TestDeletePowerShellRecord(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "ps.mmp")
	writeFile(t, path, 2048)
	modTime := time.UnixMilli(1500328388918)
	os.Chtimes(path, modTime, modTime)
	obj := objectFromJSON(t, `{"FullName":"`+path+`","Length":2048,"LastWriteTimeUtc":"\/Date(1500328388918)\/"}`)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionDeleted, "")
}

func TestDeleteTimePrecision(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "ticks.mmp")
	writeFile(t, path, 1)
	modTime := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	os.Chtimes(path, modTime, modTime)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}, DryRun: true})
	for _, stamp := range []string{"2024-05-06T07:08:09Z", "2024-05-06T07:08:09.123Z",
		"2024-05-06T07:08:09.1234567Z", "2024-05-06T09:08:09.1234567+02:00", "2024-05-06T07:08:09.123456789Z"} {
		obj := objectFromJSON(t, `{"path":"`+path+`","size":1,"modTime":"`+stamp+`"}`)
		assertOutcome(t, d.Process(context.Background(), obj), ActionWouldDelete, "")
	}
	obj := objectFromJSON(t, `{"path":"`+path+`","size":1,"modTime":"2024-05-06T07:08:09.124Z"}`)
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonChanged)
}

func TestDeleteNonUTF8Name(t *testing.T) {
	root := t.TempDir()
	name := "bad\xffname.mmp"
	writeFile(t, filepath.Join(root, name), 3)
	obj := listRecords(t, root)[name]
	if _, ok := obj.Get("pathBytes"); !ok {
		t.Fatal("record of a non-UTF-8 name has no pathBytes")
	}
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionDeleted, "")
	if exists(filepath.Join(root, name)) {
		t.Error("file with a non-UTF-8 name still exists")
	}
}

func TestDeleteNotFound(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "gone.mmp"), 3)
	obj := listRecords(t, root)["gone.mmp"]
	os.Remove(filepath.Join(root, "gone.mmp"))
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonNotFound)
}

// scriptedServices is a ServiceManager that returns the states a test sets.
type scriptedServices struct {
	states  map[string]ServiceState
	err     error
	queries int
}

func (s *scriptedServices) Query(_ context.Context, name string) (ServiceRecord, error) {
	s.queries++
	if s.err != nil {
		return ServiceRecord{}, s.err
	}
	state, ok := s.states[name]
	if !ok {
		state = StateNotFound
	}
	return ServiceRecord{Type: "service", Name: name, State: state}, nil
}

func (s *scriptedServices) Close() error { return nil }

func TestDeleteServiceRunning(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.mmp"), 1)
	obj := listRecords(t, root)["a.mmp"]
	services := &scriptedServices{states: map[string]ServiceState{"W3SVC": StateRunning}}
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}, RequireStopped: []string{"W3SVC"}, Services: services})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonServiceRunning)
	if !d.GateClosedEarly() {
		t.Error("GateClosedEarly = false before any deletion")
	}
	if !exists(filepath.Join(root, "a.mmp")) {
		t.Error("file deleted while the service runs")
	}
}

func TestDeleteServiceStartsMidRun(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"a.mmp", "b.mmp", "c.mmp"} {
		writeFile(t, filepath.Join(root, name), 1)
	}
	records := listRecords(t, root)
	services := &scriptedServices{states: map[string]ServiceState{"W3SVC": StateStopped}}
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}, RequireStopped: []string{"W3SVC"},
		Services: services, RecheckInterval: time.Nanosecond})
	assertOutcome(t, d.Process(context.Background(), records["a.mmp"]), ActionDeleted, "")
	services.states["W3SVC"] = StateStartPending
	assertOutcome(t, d.Process(context.Background(), records["b.mmp"]), ActionSkipped, ReasonServiceRunning)
	services.states["W3SVC"] = StateStopped
	assertOutcome(t, d.Process(context.Background(), records["c.mmp"]), ActionSkipped, ReasonServiceRunning)
	if d.GateClosedEarly() {
		t.Error("GateClosedEarly = true after a deletion")
	}
	if !exists(filepath.Join(root, "b.mmp")) || !exists(filepath.Join(root, "c.mmp")) {
		t.Error("files deleted after the service started")
	}
}

func TestDeleteServiceQueryFails(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.mmp"), 1)
	obj := listRecords(t, root)["a.mmp"]
	services := &scriptedServices{err: errors.New("access denied")}
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}, RequireStopped: []string{"W3SVC"}, Services: services})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonServiceRunning)
}

func TestDeleteServiceMissing(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.mmp"), 1)
	obj := listRecords(t, root)["a.mmp"]
	services := &scriptedServices{states: map[string]ServiceState{}}
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}, RequireStopped: []string{"W3SVX"}, Services: services})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonServiceRunning)
}

func mustMarshal(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// bindMount mounts source on target for the rest of the test, or skips the
// test where this process may not mount.
func bindMount(t *testing.T, source, target string) {
	t.Helper()
	if err := unix.Mount(source, target, "", unix.MS_BIND, ""); err != nil {
		t.Skipf("cannot bind-mount here: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(target, unix.MNT_DETACH) })
}

func TestDeleteThroughBindMount(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "precious.mmp"), 8)
	os.Mkdir(filepath.Join(root, "mnt"), 0o755)
	bindMount(t, outside, filepath.Join(root, "mnt"))
	names, _ := listNames(t, root, ListOptions{Recursive: true})
	if len(names) != 0 {
		t.Errorf("list entered the bind mount: %v", names)
	}
	st, _ := os.Stat(filepath.Join(outside, "precious.mmp"))
	obj := objectFromJSON(t, `{"path":"`+filepath.Join(root, "mnt", "precious.mmp")+`","size":8,"modTime":"`+
		st.ModTime().UTC().Format(time.RFC3339Nano)+`"}`)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonLinkInPath)
	if !exists(filepath.Join(outside, "precious.mmp")) {
		t.Error("file behind the bind mount was deleted")
	}
}

func TestDeleteFileOpenedMidRun(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.mmp"), 1)
	writeFile(t, filepath.Join(root, "b.mmp"), 1)
	records := listRecords(t, root)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), records["a.mmp"]), ActionDeleted, "")
	holdOpen(t, filepath.Join(root, "b.mmp"))
	assertOutcome(t, d.Process(context.Background(), records["b.mmp"]), ActionSkipped, ReasonOpen)
	if !exists(filepath.Join(root, "b.mmp")) {
		t.Error("file opened during the run was deleted")
	}
}

func TestOpenFileScanFindsHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held")
	writeFile(t, path, 1)
	holder := holdOpen(t, path)
	assertScanFinds(t, path, holder.Process.Pid)
}

func TestDeleteHardLinkOpenedElsewhere(t *testing.T) {
	root := t.TempDir()
	other := t.TempDir()
	writeFile(t, filepath.Join(root, "a.mmp"), 1)
	writeFile(t, filepath.Join(root, "b.mmp"), 1)
	records := listRecords(t, root)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	// The first deletion watches the folder and scans /proc, so an open
	// in this folder from now on would be seen, but not one through a
	// link in another folder.
	assertOutcome(t, d.Process(context.Background(), records["a.mmp"]), ActionDeleted, "")
	link := filepath.Join(other, "b-link")
	if err := os.Link(filepath.Join(root, "b.mmp"), link); err != nil {
		t.Fatal(err)
	}
	holdOpen(t, link)
	assertOutcome(t, d.Process(context.Background(), records["b.mmp"]), ActionSkipped, ReasonOpen)
	if !exists(filepath.Join(root, "b.mmp")) {
		t.Error("file open through another hard link was deleted")
	}
}

func TestDeleteFileOpenedAndClosedMidRun(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.mmp"), 1)
	writeFile(t, filepath.Join(root, "b.mmp"), 1)
	records := listRecords(t, root)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), records["a.mmp"]), ActionDeleted, "")
	// The open is seen by the watch; the lease then finds the file closed.
	f, err := os.Open(filepath.Join(root, "b.mmp"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	assertOutcome(t, d.Process(context.Background(), records["b.mmp"]), ActionDeleted, "")
}

func TestDeleteFileRenamedWhileOpen(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.mmp"), 1)
	writeFile(t, filepath.Join(root, "b.partial"), 1)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), listRecords(t, root)["a.mmp"]), ActionDeleted, "")
	// Written under one name and renamed while still open, as many
	// programs save files.
	holdOpen(t, filepath.Join(root, "b.partial"))
	if err := os.Rename(filepath.Join(root, "b.partial"), filepath.Join(root, "b.mmp")); err != nil {
		t.Fatal(err)
	}
	assertOutcome(t, d.Process(context.Background(), listRecords(t, root)["b.mmp"]), ActionSkipped, ReasonOpen)
	if !exists(filepath.Join(root, "b.mmp")) {
		t.Error("file renamed while open was deleted")
	}
}

func TestDeleteNameWithNULKeepsPrefix(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "a.mmp")
	writeFile(t, path, 1)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	obj := objectFromJSON(t, `{"path":"`+path+`\u0000b","size":1,"modTime":"`+
		st.ModTime().UTC().Format(time.RFC3339Nano)+`"}`)
	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	got := d.Process(context.Background(), obj)
	if got.Action == ActionDeleted {
		t.Errorf("record with a NUL in its name was deleted: %+v", got)
	}
	if !exists(path) {
		t.Error("a.mmp was deleted for a record naming a.mmp\\x00b")
	}
}

// writingServices is a ServiceManager that appends to a file while it is
// queried, as a program could between delete's first look at the file and
// its lease.
type writingServices struct{ path string }

func (s writingServices) Query(_ context.Context, name string) (ServiceRecord, error) {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return ServiceRecord{}, err
	}
	defer f.Close()
	if _, err := f.WriteString("more"); err != nil {
		return ServiceRecord{}, err
	}
	return ServiceRecord{Type: "service", Name: name, State: StateStopped}, nil
}

func (s writingServices) Close() error { return nil }

func TestDeleteFileWrittenDuringServiceQuery(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "a.mmp")
	writeFile(t, path, 3)
	obj := listRecords(t, root)["a.mmp"]
	d := newTestDeleter(t, DeleteOptions{
		Roots:          []string{root},
		RequireStopped: []string{"W3SVC"},
		Services:       writingServices{path: path},
	})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonChanged)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("file written during the check was deleted: %v", err)
	}
	if st.Size() != 7 {
		t.Errorf("size = %d, want 7", st.Size())
	}
}

func TestTakeLeaseRejectsChangedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.mmp")
	writeFile(t, path, 3)
	dirfd, before := statInDir(t, dir, "a.mmp")
	// Same size, and the modification time set back: only the change
	// time differs.
	if err := os.WriteFile(path, []byte("xyz"), 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Unix(before.Mtime.Sec, int64(before.Mtime.Nsec))
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	fd, err := takeLease(dirfd, "a.mmp", &before)
	if fd >= 0 {
		releaseLease(fd)
	}
	if !errors.Is(err, errReplaced) {
		t.Errorf("takeLease error = %v, want errReplaced", err)
	}
}

func TestDeleteFileLeasedByAnotherDelete(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a.mmp"), 1)
	obj := listRecords(t, root)["a.mmp"]
	dirfd, stx := statInDir(t, root, "a.mmp")
	fd, err := takeLease(dirfd, "a.mmp", &stx)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseLease(fd)

	d := newTestDeleter(t, DeleteOptions{Roots: []string{root}})
	assertOutcome(t, d.Process(context.Background(), obj), ActionSkipped, ReasonOpen)
	if !exists(filepath.Join(root, "a.mmp")) {
		t.Error("file leased elsewhere was deleted")
	}
}

func TestLeaseBrokenByOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.mmp")
	writeFile(t, path, 1)
	dirfd, stx := statInDir(t, dir, "a.mmp")
	fd, err := takeLease(dirfd, "a.mmp", &stx)
	if err != nil {
		t.Fatal(err)
	}
	if leaseBroken(fd) {
		t.Fatal("lease broken before any other open")
	}

	// cat waits in open until the lease is released.
	reader := exec.Command("cat", path)
	if err := reader.Start(); err != nil {
		releaseLease(fd)
		t.Fatal(err)
	}
	broken := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if broken = leaseBroken(fd); broken {
			break
		}
	}
	releaseLease(fd)
	if err := reader.Wait(); err != nil {
		t.Errorf("cat: %v", err)
	}
	if !broken {
		t.Error("leaseBroken = false while another process opens the file")
	}
}

func TestDeleteMappedFileOnOverlay(t *testing.T) {
	base := t.TempDir()
	lower, upper, work, merged := filepath.Join(base, "lower"), filepath.Join(base, "upper"),
		filepath.Join(base, "work"), filepath.Join(base, "merged")
	for _, dir := range []string{lower, upper, work, merged} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	options := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
	if err := unix.Mount("overlay", merged, "overlay", 0, options); err != nil {
		t.Skipf("cannot mount an overlay here (needs root): %v", err)
	}
	t.Cleanup(func() { unix.Unmount(merged, unix.MNT_DETACH) })
	writeFile(t, filepath.Join(merged, "mapped.mmp"), 100)
	writeFile(t, filepath.Join(merged, "free.mmp"), 100)
	records := listRecords(t, merged)
	startHold(t, "map", filepath.Join(merged, "mapped.mmp"))

	d := newTestDeleter(t, DeleteOptions{Roots: []string{merged}})
	assertOutcome(t, d.Process(context.Background(), records["mapped.mmp"]), ActionSkipped, ReasonOpen)
	if !exists(filepath.Join(merged, "mapped.mmp")) {
		t.Error("file mapped by another process was deleted")
	}
	assertOutcome(t, d.Process(context.Background(), records["free.mmp"]), ActionDeleted, "")
}

// slowServices is a ServiceManager whose queries are slow.
type slowServices struct {
	delay   time.Duration
	queries atomic.Int32
}

func (s *slowServices) Query(_ context.Context, name string) (ServiceRecord, error) {
	s.queries.Add(1)
	time.Sleep(s.delay)
	return ServiceRecord{Type: "service", Name: name, State: StateStopped}, nil
}

func (s *slowServices) Close() error { return nil }

func TestDeleteSlowServiceQueryAskedOnce(t *testing.T) {
	root := t.TempDir()
	for i := range 4 {
		writeFile(t, filepath.Join(root, fmt.Sprintf("f%d.mmp", i)), 1)
	}
	records := listRecords(t, root)
	services := &slowServices{delay: 300 * time.Millisecond}
	d := newTestDeleter(t, DeleteOptions{
		Roots:           []string{root},
		RequireStopped:  []string{"W3SVC"},
		Services:        services,
		RecheckInterval: 100 * time.Millisecond,
	})
	var wg sync.WaitGroup
	for _, obj := range records {
		wg.Go(func() { assertOutcome(t, d.Process(context.Background(), obj), ActionDeleted, "") })
	}
	wg.Wait()
	// The four workers start together: one queries, and the others find
	// its result still fresh when it returns.
	if n := services.queries.Load(); n != 1 {
		t.Errorf("services asked %d times, want 1", n)
	}
}
