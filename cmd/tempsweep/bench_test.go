package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// benchFileCount keeps each benchmark quick at -benchtime=1x, as CI runs
// them; profile with a larger -benchtime.
const benchFileCount = 2000

// makeBenchFolder creates count small *.mmp files with modification times
// spread over three days.
func makeBenchFolder(b *testing.B, count int) string {
	b.Helper()
	dir := b.TempDir()
	now := time.Now()
	for i := range count {
		path := filepath.Join(dir, fmt.Sprintf("s%07d.mmp", i))
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.Truncate(path, int64(2048+i*37%2048)); err != nil {
			b.Fatal(err)
		}
		modTime := now.Add(-time.Duration(i*7919%259200) * time.Second)
		if err := os.Chtimes(path, modTime, modTime); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// runBenchCommand runs one command line in-process and fails on a nonzero
// exit code.
func runBenchCommand(b *testing.B, stdin io.Reader, stdout io.Writer, args ...string) {
	b.Helper()
	var stderr bytes.Buffer
	s := streams{stdin: stdin, stdout: stdout, stderr: &stderr}
	if code := runWithStreams(context.Background(), args, s); code != 0 {
		b.Fatalf("tempsweep %s: exit code %d: %s", strings.Join(args, " "), code, stderr.String())
	}
}

// listBenchRecords returns the NDJSON that list writes for dir.
func listBenchRecords(b *testing.B, dir string) []byte {
	b.Helper()
	var out bytes.Buffer
	runBenchCommand(b, strings.NewReader(""), &out, "list", dir)
	return out.Bytes()
}

func BenchmarkListCommand(b *testing.B) {
	dir := makeBenchFolder(b, benchFileCount)
	b.ReportAllocs()
	for b.Loop() {
		runBenchCommand(b, strings.NewReader(""), io.Discard, "list", dir)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchFileCount), "ns/file")
}

// BenchmarkFilterCommand filters list's records with a select program, so
// that most results are the input records themselves, and with a program
// that builds new records, which must be encoded.
func BenchmarkFilterCommand(b *testing.B) {
	records := listBenchRecords(b, makeBenchFolder(b, benchFileCount))
	for _, program := range []string{
		`select(.size > 3000 and .age > 86400)`,
		`{path, size, old: (.age > 86400)}`,
	} {
		b.Run(program, func(b *testing.B) {
			b.SetBytes(int64(len(records)))
			b.ReportAllocs()
			for b.Loop() {
				runBenchCommand(b, bytes.NewReader(records), io.Discard, "filter", program)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchFileCount), "ns/record")
		})
	}
}

// BenchmarkDeleteDryRun runs every check of delete, the open-file scan of
// /proc included, on list's records of a prepared folder.
func BenchmarkDeleteDryRun(b *testing.B) {
	dir := makeBenchFolder(b, benchFileCount)
	records := listBenchRecords(b, dir)
	b.SetBytes(int64(len(records)))
	b.ReportAllocs()
	for b.Loop() {
		runBenchCommand(b, bytes.NewReader(records), io.Discard, "delete", "--root", dir, "--dry-run")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchFileCount), "ns/record")
}
