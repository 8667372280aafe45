package pipeline

import "testing"

func BenchmarkOpenFileScan(b *testing.B) {
	set := newOpenFileSet()
	for b.Loop() {
		set.scan()
		if set.scanErr != nil {
			b.Fatal(set.scanErr)
		}
	}
	b.ReportMetric(float64(len(set.holders)), "files")
}
