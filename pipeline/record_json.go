package pipeline

import (
	"encoding/base64"
	"strconv"

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
