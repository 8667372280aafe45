package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The CLI cases live in testdata/cli, one file per case:
//
//	# what the case shows
//	args: filter --arg x 'a b' 'select(.x == $x)'
//	exit: 1
//	files: a.mmp=10 sub/b.mmp=20
//	-- stdin --
//	...
//	-- stdout --
//	...
//	-- stderr --
//	a regular expression that stderr must match (empty: stderr must be empty)
//
// "files:" creates files of the given sizes under $ROOT, each with the
// modification time 2020-01-02T03:04:05Z. $ROOT is replaced by that
// directory: as it is in args, JSON-escaped in stdin and stdout, and quoted
// for regular expressions in stdout-match. "-- stdout-match --" holds a
// regular expression instead of the exact output. "goos: linux" runs a case
// only there, for output that spells out Unix paths. Every case runs
// in-process.
func TestCLICases(t *testing.T) {
	files, err := filepath.Glob("testdata/cli/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no CLI cases found in testdata/cli")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			c := parseCase(t, file)
			if c.goos != "" && c.goos != runtime.GOOS {
				t.Skipf("output spells out %s paths", c.goos)
			}
			root := tempDir(t)
			c.createFiles(t, root)
			jsonRoot := strings.ReplaceAll(root, `\`, `\\`)
			expand := func(s string) string { return strings.ReplaceAll(s, "$ROOT", jsonRoot) }
			args := splitArgs(t, strings.ReplaceAll(c.args, "$ROOT", root))
			var stdout, stderr bytes.Buffer
			s := streams{stdin: strings.NewReader(expand(c.sections["stdin"])), stdout: &stdout, stderr: &stderr}
			code := runWithStreams(context.Background(), args, s)
			if code != c.exit {
				t.Errorf("exit code = %d, want %d\nstderr: %s", code, c.exit, stderr.String())
			}
			if want, ok := c.sections["stdout"]; ok && stdout.String() != expand(want) {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), expand(want))
			}
			if pattern, ok := c.sections["stdout-match"]; ok {
				checkMatch(t, "stdout", stdout.String(), strings.ReplaceAll(pattern, "$ROOT", regexp.QuoteMeta(jsonRoot)))
			}
			pattern := strings.TrimSpace(c.sections["stderr"])
			if pattern == "" && stderr.Len() > 0 {
				t.Errorf("stderr = %q, want it empty", stderr.String())
			}
			if pattern != "" {
				checkMatch(t, "stderr", stderr.String(), strings.ReplaceAll(pattern, "$ROOT", regexp.QuoteMeta(root)))
			}
			for _, path := range strings.Fields(c.gone) {
				if _, err := os.Lstat(filepath.Join(root, path)); err == nil {
					t.Errorf("%s still exists", path)
				}
			}
			for _, path := range strings.Fields(c.kept) {
				if _, err := os.Lstat(filepath.Join(root, path)); err != nil {
					t.Errorf("%s: %v", path, err)
				}
			}
		})
	}
}

func checkMatch(t *testing.T, stream, got, pattern string) {
	t.Helper()
	re, err := regexp.Compile("(?s)" + strings.TrimSpace(pattern))
	if err != nil {
		t.Fatalf("%s pattern: %v", stream, err)
	}
	if !re.MatchString(got) {
		t.Errorf("%s = %q, want a match for %q", stream, got, pattern)
	}
}

type cliCase struct {
	args       string
	exit       int
	files      string
	gone, kept string
	goos       string
	sections   map[string]string
}

func parseCase(t *testing.T, file string) cliCase {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c := cliCase{sections: make(map[string]string)}
	section := ""
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") {
			section = strings.TrimSuffix(strings.TrimPrefix(trimmed, "-- "), " --")
			c.sections[section] += ""
			continue
		}
		if section != "" {
			c.sections[section] += line
			continue
		}
		key, value, _ := strings.Cut(trimmed, ":")
		value = strings.TrimSpace(value)
		switch key {
		case "args":
			c.args = value
		case "exit":
			c.exit, err = strconv.Atoi(value)
			if err != nil {
				t.Fatalf("%s: exit: %v", file, err)
			}
		case "files":
			c.files = value
		case "gone":
			c.gone = value
		case "kept":
			c.kept = value
		case "goos":
			c.goos = value
		}
	}
	return c
}

var caseModTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

func (c cliCase) createFiles(t *testing.T, root string) {
	t.Helper()
	for _, spec := range strings.Fields(c.files) {
		name, sizeText, _ := strings.Cut(spec, "=")
		size, err := strconv.Atoi(sizeText)
		if err != nil {
			t.Fatalf("files: %q: %v", spec, err)
		}
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, caseModTime, caseModTime); err != nil {
			t.Fatal(err)
		}
	}
}

// splitArgs splits a command line at spaces, keeping text in single quotes
// together as a shell would.
func splitArgs(t *testing.T, line string) []string {
	t.Helper()
	var args []string
	var cur strings.Builder
	inQuote, inArg := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			inQuote = !inQuote
			inArg = true
		case r == ' ' && !inQuote:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if inQuote {
		t.Fatalf("unterminated quote in args: %s", line)
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

// tempDir returns a new directory that is removed after the test. Unlike
// t.TempDir it removes entries one by one with os.Remove, because Wine 8.0
// does not implement the call that os.RemoveAll uses on Windows.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "tempsweep-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(t, dir) })
	return dir
}

func removeTree(t *testing.T, dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if e.IsDir() {
			removeTree(t, path)
			continue
		}
		os.Chmod(path, 0o644)
		if err := os.Remove(path); err != nil {
			t.Errorf("clean up %s: %v", path, err)
		}
	}
	if err := os.Remove(dir); err != nil {
		t.Errorf("clean up %s: %v", dir, err)
	}
}
