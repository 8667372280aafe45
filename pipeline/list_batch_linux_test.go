package pipeline

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// walkOnce reads the directory at path with readBatched when batched is set,
// else with readOneByOne, and returns the emitted records as JSON and the
// subdirectories, in order. With asJSON it reads through ListJSON's path.
func walkOnce(t *testing.T, path string, batched, asJSON bool, opts ListOptions) (records, subdirs []string) {
	t.Helper()
	lister, err := NewLister(opts)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := openRootDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.close()
	w := walk{lister: lister, ctx: context.Background(), root: path, device: dir.device(), host: "box",
		warn: func(err error) { t.Errorf("warning: %v", err) }}
	if asJSON {
		w.emitJSON = func(record []byte, size int64) error {
			records = append(records, string(record))
			return nil
		}
	} else {
		w.emit = func(rec *FileRecord) error {
			records = append(records, string(rec.AppendJSON(nil)))
			return nil
		}
	}
	if batched {
		subdirs, err = w.readBatched(dir, dir.(batchStatter), path)
	} else {
		subdirs, err = w.readOneByOne(dir, path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return records, subdirs
}

// inodeOf returns the inode in a record's fileId.
func inodeOf(t *testing.T, record string) uint64 {
	t.Helper()
	var rec FileRecord
	if err := json.Unmarshal([]byte(record), &rec); err != nil {
		t.Fatal(err)
	}
	_, ino, _ := strings.Cut(rec.FileID, ":")
	n, err := strconv.ParseUint(ino, 10, 64)
	if err != nil {
		t.Fatalf("fileId %q: %v", rec.FileID, err)
	}
	return n
}

func TestListBatchedSortsByInode(t *testing.T) {
	root := t.TempDir()
	count := 3*statBatchSize + 7
	for i := range count {
		name := fmt.Sprintf("f%05d.mmp", i*7919%count)
		switch {
		case i%50 == 0:
			name = fmt.Sprintf("f%05d.txt", i)
		case i%97 == 0:
			name = fmt.Sprintf("odd \"%d\"\t\u00e9\u2028.mmp", i)
		}
		if err := os.WriteFile(filepath.Join(root, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A name that is not UTF-8 goes through the FileRecord path.
	if err := os.WriteFile(filepath.Join(root, "bad\xff.mmp"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := os.Mkdir(filepath.Join(root, fmt.Sprintf("sub%d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("f00001.mmp", filepath.Join(root, "link.mmp")); err != nil {
		t.Fatal(err)
	}
	fixed := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	opts := ListOptions{Match: []string{"*.mmp"}, Recursive: true, Now: func() time.Time { return fixed }}

	oneByOne, oneSubdirs := walkOnce(t, root, false, false, opts)
	if want := count - count/50 + 1 - 1; len(oneByOne) != want {
		t.Errorf("one by one: %d files emitted, want %d", len(oneByOne), want)
	}
	sorted := slices.Clone(oneByOne)
	slices.SortStableFunc(sorted, func(a, b string) int { return cmp.Compare(inodeOf(t, a), inodeOf(t, b)) })
	if slices.Equal(sorted, oneByOne) {
		t.Log("the directory happened to list its files in inode order")
	}

	batched, batchSubdirs := walkOnce(t, root, true, false, opts)
	if !slices.Equal(batched, sorted) {
		t.Errorf("batched records are not the records in inode order:\n got %.300v...\nwant %.300v...", batched, sorted)
	}
	if !slices.Equal(batchSubdirs, oneSubdirs) {
		t.Errorf("batched subdirectories = %v, want %v", batchSubdirs, oneSubdirs)
	}
	asJSON, _ := walkOnce(t, root, true, true, opts)
	if len(asJSON) != len(sorted) {
		t.Fatalf("ListJSON path emitted %d records, want %d", len(asJSON), len(sorted))
	}
	for k := range asJSON {
		if asJSON[k] != sorted[k] {
			t.Errorf("record %d written from the metadata:\n%s\nwant, as AppendJSON writes it:\n%s", k, asJSON[k], sorted[k])
		}
	}
}
