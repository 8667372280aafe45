package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// walkOnce reads the directory at path with readBatched when batched is set,
// else with readOneByOne, and returns the emitted names and subdirectories
// in order.
func walkOnce(t *testing.T, path string, batched bool, opts ListOptions) (names, subdirs []string) {
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
	w := walk{lister: lister, ctx: context.Background(), root: path, device: dir.device(),
		emit: func(rec *FileRecord) error {
			names = append(names, rec.Name)
			if opts.EncodeJSON && string(rec.JSON) != string(rec.AppendJSON(nil)) {
				t.Errorf("JSON of %s = %s, want %s", rec.Name, rec.JSON, rec.AppendJSON(nil))
			}
			return nil
		},
		warn: func(err error) { t.Errorf("warning: %v", err) },
	}
	if batched {
		subdirs, err = w.readBatched(dir, dir.(batchStatter), path)
	} else {
		subdirs, err = w.readOneByOne(dir, path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return names, subdirs
}

func TestListBatchedKeepsDirectoryOrder(t *testing.T) {
	root := t.TempDir()
	count := 3*statBatchSize + 7
	for i := range count {
		name := fmt.Sprintf("f%05d.mmp", i*7919%count)
		if i%50 == 0 {
			name = fmt.Sprintf("f%05d.txt", i)
		}
		if err := os.WriteFile(filepath.Join(root, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
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

	oneNames, oneSubdirs := walkOnce(t, root, false, opts)
	opts.EncodeJSON = true
	batchNames, batchSubdirs := walkOnce(t, root, true, opts)
	if len(oneNames) != count-count/50-1 {
		t.Errorf("one by one: %d files emitted, want %d", len(oneNames), count-count/50-1)
	}
	if !slices.Equal(batchNames, oneNames) {
		t.Errorf("batched order differs from one by one:\n got %.10v...\nwant %.10v...", batchNames, oneNames)
	}
	if !slices.Equal(batchSubdirs, oneSubdirs) {
		t.Errorf("batched subdirectories = %v, want %v", batchSubdirs, oneSubdirs)
	}
}
