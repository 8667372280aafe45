// Command benchgen makes the data sets that scripts/bench.sh measures
// tempsweep on: a folder of small files, and NDJSON file records in the
// shape that `tempsweep list` writes.
//
//	benchgen files DIR COUNT        create DIR with COUNT *.mmp files
//	benchgen records COUNT [array]  read list's NDJSON on stdin and write
//	                                COUNT records, as NDJSON or as one
//	                                top-level JSON array
//	benchgen lease-unlink DIR       delete the files in DIR with only the
//	                                system calls of delete's checks (Linux)
//
// Sizes and ages come from a fixed-seed generator, so every run makes the
// same data.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tempsweep/tempsweep/jsonio"
)

const (
	minFileSize = 2048
	maxFileSize = 4096
	// maxAge spreads modification times over the last three days, so that
	// filters on .age keep part of the files.
	maxAge = 3 * 24 * time.Hour
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "benchgen: %v\n", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) >= 3 && args[0] == "files" {
		count, err := strconv.Atoi(args[2])
		if err != nil {
			return fmt.Errorf("invalid file count %q: %w", args[2], err)
		}
		return makeFiles(args[1], count)
	}
	if len(args) >= 2 && args[0] == "records" {
		count, err := strconv.Atoi(args[1])
		if err != nil {
			return fmt.Errorf("invalid record count %q: %w", args[1], err)
		}
		array := len(args) == 3 && args[2] == "array"
		return makeRecords(os.Stdin, os.Stdout, count, array)
	}
	if len(args) == 2 && args[0] == "lease-unlink" {
		return leaseUnlink(args[1])
	}
	return errors.New("usage: benchgen files DIR COUNT | benchgen records COUNT [array] | benchgen lease-unlink DIR")
}

// makeFiles creates dir and count files in it. The files are sparse: they
// have their size but no data blocks, so creating them costs little disk
// traffic, and listing or deleting them costs what it costs for any file.
func makeFiles(dir string, count int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now()
	for i := range count {
		path := filepath.Join(dir, fmt.Sprintf("s%07d.mmp", i))
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		size := minFileSize + rng.Int64N(maxFileSize-minFileSize)
		if err := f.Truncate(size); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		modTime := now.Add(-time.Duration(rng.Int64N(int64(maxAge))))
		if err := os.Chtimes(path, modTime, modTime); err != nil {
			return err
		}
	}
	return nil
}

// makeRecords writes count records made from the records in in: the first
// pass copies them as they are, and each later pass renames the files and
// draws new sizes, ages and inode numbers.
func makeRecords(in io.Reader, out io.Writer, count int, array bool) error {
	templates, err := readRecords(in)
	if err != nil {
		return err
	}
	if len(templates) == 0 {
		return errors.New("no records on stdin: pipe the output of tempsweep list into benchgen")
	}
	w := bufio.NewWriterSize(out, 1<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	if array {
		w.WriteString("[\n")
	}
	var line []byte
	for i := range count {
		obj := templates[i%len(templates)]
		if pass := i / len(templates); pass > 0 {
			obj = varyRecord(obj, pass, i, rng)
		}
		line = obj.AppendJSON(line[:0])
		if array && i < count-1 {
			line = append(line, ',')
		}
		w.Write(append(line, '\n'))
	}
	if array {
		w.WriteString("]\n")
	}
	return w.Flush()
}

func readRecords(in io.Reader) ([]jsonio.Object, error) {
	r := jsonio.NewReader(in, jsonio.ReaderOptions{})
	var records []jsonio.Object
	for {
		v, err := r.Next()
		if err == io.EOF {
			return records, nil
		}
		if err != nil {
			return nil, err
		}
		obj, err := jsonio.ParseObject(bytes.Clone(v.Raw))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", v.Line, err)
		}
		records = append(records, obj)
	}
}

// varyRecord returns a copy of obj for another file: the name gets the pass
// number as a prefix, and size, age and fileId change.
func varyRecord(obj jsonio.Object, pass, index int, rng *rand.Rand) jsonio.Object {
	vary := append(jsonio.Object(nil), obj...)
	var name, path, fileID string
	jsonString(obj, "name", &name)
	jsonString(obj, "path", &path)
	jsonString(obj, "fileId", &fileID)
	newName := "p" + strconv.Itoa(pass) + "-" + name
	vary.Set("name", quote(newName))
	vary.Set("path", quote(filepath.Join(filepath.Dir(path), newName)))
	if dev, _, ok := bytes.Cut([]byte(fileID), []byte(":")); ok {
		vary.Set("fileId", quote(string(dev)+":"+strconv.Itoa(90_000_000+index)))
	}
	vary.Set("size", strconv.AppendInt(nil, minFileSize+rng.Int64N(maxFileSize-minFileSize), 10))
	vary.Set("age", strconv.AppendInt(nil, rng.Int64N(int64(maxAge/time.Second)), 10))
	return vary
}

func jsonString(obj jsonio.Object, key string, dst *string) {
	raw, ok := obj.Get(key)
	if !ok {
		return
	}
	json.Unmarshal(raw, dst)
}

func quote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
