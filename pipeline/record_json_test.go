package pipeline

import (
	"bytes"
	"encoding/json"
	"testing"
)

// marshalRecord encodes rec as encoding/json does with HTML escaping off.
func marshalRecord(t *testing.T, rec *FileRecord) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func TestFileRecordAppendJSONMatchesEncodingJSON(t *testing.T) {
	full := FileRecord{
		Type: "file", Path: "/srv/webtemp/a.mmp", Root: "/srv/webtemp", Name: "a.mmp", Ext: ".mmp",
		Size: 4096, ModTime: "2024-05-01T10:11:12.123456789Z", AccessTime: "2024-05-01T10:11:12Z",
		ChangeTime: "2024-05-02T00:00:00Z", BirthTime: "2024-04-30T23:59:59.5Z", Age: 86401,
		ListedAt: "2024-05-03T00:00:00Z", Host: "web01", FileID: "2049:131", ReadOnly: true,
		Hidden: true, Links: 2,
	}
	cases := map[string]FileRecord{
		"all fields":    full,
		"no optional":   {Type: "file", Path: "C:\\Exchsrvr\\Webtemp\\x.mmp", Size: -1, Age: -5},
		"empty strings": {},
	}
	names := map[string]string{
		"html":               "<a>&b</a>.mmp",
		"quotes":             `say "hi" \ back`,
		"control characters": "tab\tnl\ncr\rbs\bff\fnul\x00esc\x1bdel\x7f",
		"separators":         "line\u2028para\u2029",
		"non-ASCII":          "résumé-日本-😀.mmp",
		"invalid UTF-8":      "bad\xff\xfe-\xc3(.mmp",
	}
	for label, name := range names {
		rec := full
		rec.Name, rec.Path, rec.Host = name, "/srv/webtemp/"+name, name
		rec.PathBytes = []byte(rec.Path)
		cases[label] = rec
	}
	for label, rec := range cases {
		t.Run(label, func(t *testing.T) {
			want := marshalRecord(t, &rec)
			got := rec.AppendJSON(nil)
			if !bytes.Equal(got, want) {
				t.Errorf("AppendJSON:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func BenchmarkFileRecordAppendJSON(b *testing.B) {
	rec := FileRecord{
		Type: "file", Path: "/srv/webtemp/s0094207.mmp", Root: "/srv/webtemp", Name: "s0094207.mmp",
		Ext: ".mmp", Size: 2283, ModTime: "2026-12-04T03:33:16.274091711Z",
		AccessTime: "2026-12-04T03:33:16.274091711Z", ChangeTime: "2026-12-04T17:04:47.740781461Z",
		BirthTime: "2026-12-04T17:04:47.740781461Z", Age: 48696, ListedAt: "2026-12-04T17:04:52.899200848Z",
		Host: "web01", FileID: "65024:10154140", Links: 1,
	}
	b.ReportAllocs()
	var dst []byte
	for b.Loop() {
		dst = rec.AppendJSON(dst[:0])
	}
	b.SetBytes(int64(len(dst)))
}
