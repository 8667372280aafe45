package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func listNames(t *testing.T, root string, opts ListOptions) ([]string, []error) {
	t.Helper()
	lister, err := NewLister(opts)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var warnings []error
	err = lister.List(context.Background(), root, func(rec *FileRecord) error {
		rel, _ := filepath.Rel(root, rec.Path)
		names = append(names, rel)
		return nil
	}, func(err error) { warnings = append(warnings, err) })
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names, warnings
}

func TestListMatchExcludeRecursive(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"a.mmp", "b.txt", "skip.mmp", "sub/c.mmp", "sub/deeper/d.mmp"} {
		writeFile(t, filepath.Join(root, name), 1)
	}
	names, _ := listNames(t, root, ListOptions{Match: []string{"*.mmp"}, Exclude: []string{"skip*"}})
	if strings.Join(names, ",") != "a.mmp" {
		t.Errorf("flat listing = %v", names)
	}
	names, _ = listNames(t, root, ListOptions{Match: []string{"*.mmp"}, Exclude: []string{"skip*"}, Recursive: true})
	if strings.Join(names, ",") != "a.mmp,sub/c.mmp,sub/deeper/d.mmp" {
		t.Errorf("recursive listing = %v", names)
	}
}

func TestListSkipsLinksAndSpecialFiles(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret.mmp"), 1)
	writeFile(t, filepath.Join(root, "real.mmp"), 1)
	os.Symlink(filepath.Join(outside, "secret.mmp"), filepath.Join(root, "file-link.mmp"))
	os.Symlink(outside, filepath.Join(root, "dir-link"))
	if err := mkfifo(filepath.Join(root, "pipe.mmp")); err != nil {
		t.Fatal(err)
	}
	names, _ := listNames(t, root, ListOptions{Recursive: true})
	if strings.Join(names, ",") != "real.mmp" {
		t.Errorf("listing = %v, want only real.mmp", names)
	}
}

func TestListRecordFields(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, ".hidden.MMP")
	writeFile(t, path, 42)
	os.Chmod(path, 0o444)
	modTime := time.Date(2024, 3, 4, 5, 6, 7, 890000000, time.UTC)
	os.Chtimes(path, modTime, modTime)
	listedAt := time.Date(2024, 3, 5, 5, 6, 7, 0, time.UTC)
	lister, _ := NewLister(ListOptions{Host: "web1", Now: func() time.Time { return listedAt }})
	var rec *FileRecord
	lister.List(context.Background(), root, func(r *FileRecord) error { rec = r; return nil }, func(error) {})
	if rec == nil {
		t.Fatal("no record")
	}
	checks := map[string][2]any{
		"type":     {rec.Type, "file"},
		"path":     {rec.Path, path},
		"root":     {rec.Root, root},
		"name":     {rec.Name, ".hidden.MMP"},
		"ext":      {rec.Ext, ".MMP"},
		"size":     {rec.Size, int64(42)},
		"modTime":  {rec.ModTime, "2024-03-04T05:06:07.89Z"},
		"age":      {rec.Age, int64(86400 - 1)},
		"listedAt": {rec.ListedAt, "2024-03-05T05:06:07Z"},
		"host":     {rec.Host, "web1"},
		"readOnly": {rec.ReadOnly, true},
		"hidden":   {rec.Hidden, true},
		"links":    {rec.Links, uint64(1)},
	}
	for field, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", field, c[0], c[1])
		}
	}
	if !strings.Contains(rec.FileID, ":") {
		t.Errorf("fileId = %q, want device:inode", rec.FileID)
	}
	if rec.ChangeTime == "" || rec.AccessTime == "" {
		t.Errorf("changeTime %q or accessTime %q missing", rec.ChangeTime, rec.AccessTime)
	}
}

func TestListUnreadableSubdirectoryWarns(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory, so no permission error can be provoked")
	}
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "locked", "a.mmp"), 1)
	writeFile(t, filepath.Join(root, "b.mmp"), 1)
	os.Chmod(filepath.Join(root, "locked"), 0)
	defer os.Chmod(filepath.Join(root, "locked"), 0o755)
	names, warnings := listNames(t, root, ListOptions{Recursive: true})
	if strings.Join(names, ",") != "b.mmp" || len(warnings) != 1 {
		t.Errorf("names = %v warnings = %v", names, warnings)
	}
}

func TestListMissingRoot(t *testing.T) {
	lister, _ := NewLister(ListOptions{})
	err := lister.List(context.Background(), filepath.Join(t.TempDir(), "missing"),
		func(*FileRecord) error { return nil }, func(error) {})
	var rootErr *RootError
	if !errors.As(err, &rootErr) {
		t.Errorf("error = %v, want a *RootError", err)
	}
}

func TestListInvalidGlob(t *testing.T) {
	if _, err := NewLister(ListOptions{Match: []string{"[unclosed"}}); err == nil {
		t.Error("invalid glob accepted")
	}
}

func TestListStopsWhenEmitFails(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		writeFile(t, filepath.Join(root, name), 1)
	}
	lister, _ := NewLister(ListOptions{})
	stop := errors.New("reader gone")
	calls := 0
	err := lister.List(context.Background(), root, func(*FileRecord) error { calls++; return stop }, func(error) {})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err = %v after %d calls, want the emit error after 1", err, calls)
	}
}
