package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the tempsweep command, so the
// end-to-end test runs real processes joined by real pipes on every
// platform without building a separate binary.
func TestMain(m *testing.M) {
	if os.Getenv("TEMPSWEEP_TEST_RUN_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// stage is one tempsweep process of a pipeline.
type stage []string

// lockedBuffer is a bytes.Buffer that several processes' stderr copiers
// may write to at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runPipeline runs the stages as processes, each one's stdout feeding the
// next one's stdin, and returns the last one's stdout, every stage's
// stderr and exit codes.
func runPipeline(t *testing.T, stages ...stage) (string, string, []int) {
	t.Helper()
	var cmds []*exec.Cmd
	var stderr lockedBuffer
	var prev io.Reader
	var out bytes.Buffer
	for i, args := range stages {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "TEMPSWEEP_TEST_RUN_MAIN=1")
		cmd.Stderr = &stderr
		cmd.Stdin = prev
		if i == len(stages)-1 {
			cmd.Stdout = &out
		} else {
			pipe, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			prev = pipe
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	codes := make([]int, len(cmds))
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			if exit, ok := err.(*exec.ExitError); ok {
				codes[i] = exit.ExitCode()
			} else {
				t.Fatal(err)
			}
		}
	}
	return out.String(), stderr.String(), codes
}

// webtemp is a generated Webtemp folder: files that a cleanup of old *.mmp
// files must delete, and decoys that it must leave.
type webtemp struct {
	dir, outside string
	deletable    []string
	kept         []string
}

func makeWebtemp(t *testing.T) webtemp {
	t.Helper()
	base := tempDir(t)
	// test-windows.sh sets this to C:\ so that the Windows run cleans the
	// real C:\Exchsrvr\Webtemp of its fresh Wine prefix.
	if drive := os.Getenv("TEMPSWEEP_TEST_WEBTEMP_BASE"); drive != "" && runtime.GOOS == "windows" {
		base = drive
		t.Cleanup(func() {
			removeTree(t, filepath.Join(base, "Exchsrvr"))
			removeTree(t, filepath.Join(base, "outside"))
		})
	}
	w := webtemp{dir: filepath.Join(base, "Exchsrvr", "Webtemp"), outside: filepath.Join(base, "outside")}
	old := time.Now().Add(-72 * time.Hour)
	create := func(name string, size int, modTime time.Time) string {
		path := filepath.Join(w.dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, bytes.Repeat([]byte("x"), size), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, modTime, modTime); err != nil {
			t.Fatal(err)
		}
		return name
	}
	for i, name := range []string{"a1.mmp", "with space.mmp", "[bracket].mmp", "-leading-dash.mmp", "ünïcode-дом.mmp", "UPPER.MMP"} {
		if runtime.GOOS != "windows" && name == "UPPER.MMP" {
			w.kept = append(w.kept, create(name, 2048, old))
			continue
		}
		w.deletable = append(w.deletable, create(name, 2048+i, old))
	}
	w.kept = append(w.kept,
		create("fresh.mmp", 3000, time.Now()),
		create("old-notes.txt", 100, old),
		create(filepath.Join("nested", "deep.mmp"), 100, old),
	)
	if err := os.Mkdir(filepath.Join(w.dir, "folder.mmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(w.outside, 0o755); err != nil {
		t.Fatal(err)
	}
	precious := filepath.Join(w.outside, "precious.mmp")
	if err := os.WriteFile(precious, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(precious, old, old)
	// Wine's os.Symlink reports success but creates nothing, so the link is
	// a decoy only where it exists.
	link := filepath.Join(w.dir, "link.mmp")
	if os.Symlink(precious, link) == nil {
		if _, err := os.Lstat(link); err == nil {
			w.kept = append(w.kept, "link.mmp")
		}
	}
	return w
}

func TestPipelineEndToEnd(t *testing.T) {
	w := makeWebtemp(t)
	var holder *exec.Cmd
	if runtime.GOOS == "linux" {
		held := "held-open.mmp"
		path := filepath.Join(w.dir, held)
		os.WriteFile(path, []byte("in use"), 0o644)
		old := time.Now().Add(-72 * time.Hour)
		os.Chtimes(path, old, old)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		holder = exec.Command("sleep", "60")
		holder.Stdin = f
		if err := holder.Start(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		defer func() { holder.Process.Kill(); holder.Wait() }()
		w.kept = append(w.kept, held)
	}
	list := stage{"list", "--match", "*.mmp", w.dir}
	filter := stage{"filter", `select(older_than("1d"))`}
	gate := serviceGate(t)
	logPath := filepath.Join(tempDir(t), "delete.log")

	dryOut, dryErr, codes := runPipeline(t, list, filter, gate, stage{"delete", "--root", w.dir, "--dry-run"})
	want := map[string]string{}
	for _, name := range w.deletable {
		want[name] = "would-delete"
	}
	if runtime.GOOS == "linux" {
		want["held-open.mmp"] = "skipped/open"
	}
	assertActions(t, w.dir, dryOut, want)
	assertFiles(t, w, append(append([]string{}, w.deletable...), w.kept...), nil)
	if codes[3] != exitCodeFor(want) {
		t.Errorf("dry run exit codes = %v, stderr: %s", codes, dryErr)
	}

	// The dry run's output is valid input for the real run.
	realOut, realErr, realCodes := runPipeline(t,
		stage{"filter", `select(.action == "would-delete")`, "-i", writeTemp(t, dryOut)},
		stage{"delete", "--root", w.dir, "--log", logPath})
	for name := range want {
		if want[name] == "would-delete" {
			want[name] = "deleted"
		} else {
			delete(want, name)
		}
	}
	assertActions(t, w.dir, realOut, want)
	assertFiles(t, w, w.kept, w.deletable)
	if realCodes[1] != 0 {
		t.Errorf("real run exit codes = %v, stderr: %s", realCodes, realErr)
	}
	logged, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(logged) != realOut {
		t.Errorf("log differs from output:\n%s\nwant:\n%s", logged, realOut)
	}
}

func exitCodeFor(want map[string]string) int {
	for _, action := range want {
		if strings.HasPrefix(action, "skipped") {
			return exitIncomplete
		}
	}
	return exitOK
}

// assertActions checks that out has exactly one record per expected file,
// with the expected action (and reason, written "action/reason").
func assertActions(t *testing.T, dir, out string, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	scanner := bufio.NewScanner(strings.NewReader(out))
	for scanner.Scan() {
		var rec struct{ Path, Name, Action, Reason string }
		if err := json.Unmarshal(scanner.Bytes(), &rec); err != nil {
			t.Fatalf("output line %q: %v", scanner.Text(), err)
		}
		rel, _ := filepath.Rel(dir, rec.Path)
		action := rec.Action
		if rec.Reason != "" {
			action += "/" + rec.Reason
		}
		if _, dup := got[rel]; dup {
			t.Errorf("%s reported twice", rel)
		}
		got[rel] = action
	}
	if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
		t.Errorf("actions:\n%v\nwant:\n%v", sorted(got), sorted(want))
	}
}

func sorted(m map[string]string) []string {
	var lines []string
	for k, v := range m {
		lines = append(lines, k+"="+v)
	}
	sort.Strings(lines)
	return lines
}

func assertFiles(t *testing.T, w webtemp, present, absent []string) {
	t.Helper()
	for _, name := range present {
		if _, err := os.Lstat(filepath.Join(w.dir, name)); err != nil {
			t.Errorf("%s should still exist: %v", name, err)
		}
	}
	for _, name := range absent {
		if _, err := os.Lstat(filepath.Join(w.dir, name)); err == nil {
			t.Errorf("%s should have been deleted", name)
		}
	}
	if _, err := os.Stat(filepath.Join(w.outside, "precious.mmp")); err != nil {
		t.Errorf("file outside the root: %v", err)
	}
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(tempDir(t), "records.json")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// serviceGate returns the check-services stage of the pipeline: a gate on
// services that do not exist, which --missing-ok lets through. Where no
// service manager can be asked (Linux without systemd, as in containers)
// the gate would stay closed, so a stage that copies its input replaces it.
func serviceGate(t *testing.T) stage {
	t.Helper()
	gate := stage{"check-services", "--require", "stopped", "--missing-ok", "TempsweepE2ENone1", "TempsweepE2ENone2"}
	_, stderr, codes := runPipeline(t, stage{"filter", "."}, gate)
	if codes[1] == exitOK {
		return gate
	}
	if runtime.GOOS == "windows" {
		t.Fatalf("service gate closed on Windows: %s", stderr)
	}
	t.Logf("no service manager here, the pipeline runs without the gate: %s", stderr)
	return stage{"filter", "."}
}
