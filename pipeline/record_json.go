package pipeline

import (
	"encoding/base64"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tempsweep/tempsweep/jsonio"
)

// AppendJSON appends the record as compact JSON to dst: the bytes that
// encoding/json's Marshal writes for it with HTML escaping turned off, field
// for field, but without reflection.
func (r *FileRecord) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"type":`...)
	dst = jsonio.AppendString(dst, r.Type)
	dst = append(dst, `,"path":`...)
	dst = jsonio.AppendString(dst, r.Path)
	if len(r.PathBytes) > 0 {
		dst = append(dst, `,"pathBytes":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.PathBytes)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"root":`...)
	dst = jsonio.AppendString(dst, r.Root)
	dst = append(dst, `,"name":`...)
	dst = jsonio.AppendString(dst, r.Name)
	dst = append(dst, `,"ext":`...)
	dst = jsonio.AppendString(dst, r.Ext)
	dst = append(dst, `,"size":`...)
	dst = strconv.AppendInt(dst, r.Size, 10)
	dst = append(dst, `,"modTime":`...)
	dst = jsonio.AppendString(dst, r.ModTime)
	if r.AccessTime != "" {
		dst = append(dst, `,"accessTime":`...)
		dst = jsonio.AppendString(dst, r.AccessTime)
	}
	if r.ChangeTime != "" {
		dst = append(dst, `,"changeTime":`...)
		dst = jsonio.AppendString(dst, r.ChangeTime)
	}
	if r.BirthTime != "" {
		dst = append(dst, `,"birthTime":`...)
		dst = jsonio.AppendString(dst, r.BirthTime)
	}
	dst = append(dst, `,"age":`...)
	dst = strconv.AppendInt(dst, r.Age, 10)
	dst = append(dst, `,"listedAt":`...)
	dst = jsonio.AppendString(dst, r.ListedAt)
	dst = append(dst, `,"host":`...)
	dst = jsonio.AppendString(dst, r.Host)
	dst = append(dst, `,"fileId":`...)
	dst = jsonio.AppendString(dst, r.FileID)
	dst = append(dst, `,"readOnly":`...)
	dst = strconv.AppendBool(dst, r.ReadOnly)
	dst = append(dst, `,"hidden":`...)
	dst = strconv.AppendBool(dst, r.Hidden)
	dst = append(dst, `,"links":`...)
	dst = strconv.AppendUint(dst, r.Links, 10)
	return append(dst, '}')
}

// recordWriter writes the JSON of the records of one directory straight
// from the files' metadata: the bytes that AppendJSON writes for the record
// that walk.record builds, without building it. The parts that every record
// of the directory shares are escaped once.
type recordWriter struct {
	// pathPrefix is `{"type":"file","path":"` and the escaped directory
	// path with its trailing separator.
	pathPrefix []byte
	// rootPart is `","root":` and the quoted root; hostPart is
	// `,"host":` and the quoted host.
	rootPart, hostPart []byte
	// plain is false when the directory path is not valid UTF-8; its
	// records then need the pathBytes field, which only the FileRecord
	// path writes.
	plain bool
}

func newRecordWriter(w *walk, dirPath string) *recordWriter {
	rw := &recordWriter{plain: utf8.ValidString(dirPath)}
	quoted := jsonio.AppendString(nil, joinPath(dirPath, ""))
	rw.pathPrefix = append([]byte(`{"type":"file","path":`), quoted[:len(quoted)-1]...)
	rw.rootPart = jsonio.AppendString([]byte(`","root":`), w.root)
	rw.hostPart = jsonio.AppendString([]byte(`,"host":`), w.host)
	return rw
}

// canWrite reports whether appendRecord writes the record of name: it
// does unless the path is not valid UTF-8.
func (rw *recordWriter) canWrite(name string) bool {
	return rw.plain && utf8.ValidString(name)
}

// listedTime is a listedAt time with its text, formatted once for the
// records that share it.
type listedTime struct {
	time time.Time
	text []byte
}

func newListedTime(t time.Time) listedTime {
	return listedTime{time: t, text: appendTime(nil, t)}
}

// appendRecord appends the record of the file name, whose metadata is st,
// listed at listedAt.
func (rw *recordWriter) appendRecord(dst []byte, name string, st *fileStat, listedAt *listedTime) []byte {
	dst = append(dst, rw.pathPrefix...)
	nameStart := len(dst)
	dst = jsonio.AppendStringContent(dst, name)
	nameEnd := len(dst)
	dst = append(dst, rw.rootPart...)
	dst = append(dst, `,"name":"`...)
	dst = append(dst, dst[nameStart:nameEnd]...)
	dst = append(dst, '"')
	dst = append(dst, `,"ext":`...)
	dst = jsonio.AppendString(dst, filepath.Ext(name))
	dst = append(dst, `,"size":`...)
	dst = strconv.AppendInt(dst, st.size, 10)

	// Times equal to modTime, as a new file's often are, copy its text.
	dst = append(dst, `,"modTime":"`...)
	modStart := len(dst)
	dst = appendTime(dst, st.modTime)
	modEnd := len(dst)
	dst = append(dst, '"')
	for _, opt := range [...]struct {
		key string
		t   time.Time
	}{{`,"accessTime":"`, st.accessTime}, {`,"changeTime":"`, st.changeTime}, {`,"birthTime":"`, st.birthTime}} {
		if opt.t.IsZero() {
			continue
		}
		dst = append(dst, opt.key...)
		if opt.t.Equal(st.modTime) {
			dst = append(dst, dst[modStart:modEnd]...)
		} else {
			dst = appendTime(dst, opt.t)
		}
		dst = append(dst, '"')
	}
	dst = append(dst, `,"age":`...)
	dst = strconv.AppendInt(dst, ageSeconds(listedAt.time, st.modTime), 10)
	dst = append(dst, `,"listedAt":"`...)
	dst = append(dst, listedAt.text...)
	dst = append(dst, '"')
	dst = append(dst, rw.hostPart...)
	dst = append(dst, `,"fileId":`...)
	if st.fileID != "" {
		dst = jsonio.AppendString(dst, st.fileID)
	} else {
		dst = append(dst, '"')
		dst = st.appendUnixID(dst)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"readOnly":`...)
	dst = strconv.AppendBool(dst, st.readOnly)
	dst = append(dst, `,"hidden":`...)
	dst = strconv.AppendBool(dst, st.hidden)
	dst = append(dst, `,"links":`...)
	dst = strconv.AppendUint(dst, st.links, 10)
	return append(dst, '}')
}
