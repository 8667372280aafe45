package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestFilterKeepsOrderAcrossBatches filters more records than fit in one
// batch, with unreadable lines and records on which the program fails mixed
// in, and checks that results and messages come out in input order.
func TestFilterKeepsOrderAcrossBatches(t *testing.T) {
	const count = 3*filterBatchRecords + 17
	var input, wantOut strings.Builder
	var wantLines []int
	line := 0
	for i := range count {
		line++
		if i%301 == 5 {
			input.WriteString("not json\n")
			wantLines = append(wantLines, line)
			line++
		}
		if i%97 == 3 {
			// .size is a string here, so the program's subtraction fails.
			fmt.Fprintf(&input, `{"n":%d,"size":"big"}`+"\n", i)
			wantLines = append(wantLines, line)
			continue
		}
		record := fmt.Sprintf(`{"n":%d, "size":%d}`, i, i%7)
		input.WriteString(record + "\n")
		if i%7 > 3 {
			fmt.Fprintf(&wantOut, `{"n":%d,"size":%d}`+"\n", i, i%7)
		}
	}

	var stdout, stderr bytes.Buffer
	s := streams{stdin: strings.NewReader(input.String()), stdout: &stdout, stderr: &stderr}
	code := runWithStreams(context.Background(), []string{"filter", "select(.size - 3 > 0)"}, s)
	if code != exitIncomplete {
		t.Errorf("exit code = %d, want %d", code, exitIncomplete)
	}
	if stdout.String() != wantOut.String() {
		t.Errorf("stdout differs from the records in input order:\n got %.300s\nwant %.300s", stdout.String(), wantOut.String())
	}
	lineNumber := regexp.MustCompile(`line (\d+)`)
	var gotLines []int
	for _, msg := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		m := lineNumber.FindStringSubmatch(msg)
		if m == nil {
			t.Errorf("stderr line without a line number: %q", msg)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		gotLines = append(gotLines, n)
	}
	if fmt.Sprint(gotLines) != fmt.Sprint(wantLines) {
		t.Errorf("messages name lines %v, want %v", gotLines, wantLines)
	}
}

// TestFilterWriteFailureIsFatal checks that a failed write to stdout, other
// than to a closed pipe, ends with exit code 4 and that nothing more is
// written after it.
func TestFilterWriteFailureIsFatal(t *testing.T) {
	var input strings.Builder
	padding := strings.Repeat("x", 200)
	for i := range 5 * filterBatchRecords {
		fmt.Fprintf(&input, `{"n":%d,"pad":"%s"}`+"\n", i, padding)
	}
	out := &failingWriter{failAfter: 0}
	var stderr bytes.Buffer
	s := streams{stdin: strings.NewReader(input.String()), stdout: out, stderr: &stderr}
	code := runWithStreams(context.Background(), []string{"filter", "."}, s)
	if code != exitFatal {
		t.Errorf("exit code = %d, want %d", code, exitFatal)
	}
	if out.writes != 1 {
		t.Errorf("output written %d times, want 1: nothing after the failed write", out.writes)
	}
	if !strings.Contains(stderr.String(), "disk full") {
		t.Errorf("stderr does not name the write error: %.200s", stderr.String())
	}
}

// failingWriter accepts failAfter writes and fails every later one.
type failingWriter struct {
	failAfter, writes int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > w.failAfter {
		return 0, fmt.Errorf("disk full")
	}
	return len(p), nil
}
