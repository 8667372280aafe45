package jsonio

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// benchRecords returns count NDJSON records shaped like tempsweep's file
// records, about 400 bytes each.
func benchRecords(count int) []byte {
	var b bytes.Buffer
	for k := range count {
		fmt.Fprintf(&b, `{"path":"C:\\Users\\builder\\AppData\\Local\\Temp\\msbuild-%08d\\obj\\Release\\net8.0\\project.assets.cache.tmp",`+
			`"root":"C:\\Users\\builder\\AppData\\Local\\Temp","type":"file","size":%d,"mtime":"2024-05-%02dT10:11:12.123456789Z",`+
			`"atime":"2024-05-%02dT10:11:12.123456789Z","ctime":"2024-05-01T08:00:00Z","age_days":%d.25,"open":false,`+
			`"owner":"BUILDER\\svc-ci","reason":"older than 7 days","gate":{"ok":true,"checks":["age","open","service"]}}`+"\n",
			k, k*37%1000003, k%28+1, k%28+1, k%90)
	}
	return b.Bytes()
}

func BenchmarkReaderNDJSON(b *testing.B) {
	data := benchRecords(10_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), ReaderOptions{})
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkReaderUTF16(b *testing.B) {
	data := encodeUTF16(string(benchRecords(10_000)), false, true)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), ReaderOptions{})
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkWriteRaw(b *testing.B) {
	data := benchRecords(10_000)
	records := bytes.SplitAfter(data, []byte("\n"))
	records = records[:len(records)-1]
	for _, ascii := range []bool{false, true} {
		b.Run(fmt.Sprintf("ascii=%v", ascii), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			w := NewWriter(io.Discard, WriterOptions{ASCII: ascii})
			for b.Loop() {
				for _, rec := range records {
					if err := w.WriteRaw(rec); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkWriteCompact writes the records that BenchmarkWriteRaw writes,
// which are compact, without the search for whitespace.
func BenchmarkWriteCompact(b *testing.B) {
	data := benchRecords(10_000)
	records := bytes.SplitAfter(data, []byte("\n"))
	records = records[:len(records)-1]
	for k, rec := range records {
		records[k] = bytes.TrimSuffix(rec, []byte("\n"))
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	w := NewWriter(io.Discard, WriterOptions{})
	for b.Loop() {
		for _, rec := range records {
			if err := w.WriteCompact(rec); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkParseObject(b *testing.B) {
	data := benchRecords(1)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseObject(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	data := benchRecords(1)
	obj, err := ParseObject(data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var dst []byte
	for b.Loop() {
		dst = obj.AppendJSON(dst[:0])
	}
}
