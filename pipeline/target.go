package pipeline

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tempsweep/tempsweep/jsonio"
)

// target is the file that a record names for deletion, with the identity it
// must still have.
type target struct {
	path string
	// fileID is empty when the record has none, as in PowerShell's records.
	fileID    string
	size      int64
	modTime   time.Time
	modDigits int
}

// recordError is a record that delete cannot act on.
type recordError struct{ msg string }

func (e *recordError) Error() string { return e.msg }

func invalidRecord(format string, args ...any) error {
	return &recordError{msg: fmt.Sprintf(format, args...)}
}

// parseTarget reads the path, size and modification time from a tempsweep
// file record, or from PowerShell's FullName, Length and LastWriteTimeUtc
// (or LastWriteTime) properties.
func parseTarget(obj jsonio.Object) (target, error) {
	var t target
	if raw, ok := obj.Get("type"); ok {
		var typ string
		if unmarshalString(raw, &typ) != nil || typ != "file" {
			return t, invalidRecord("record type is %s, not \"file\"", raw)
		}
	}
	path, err := recordPath(obj)
	if err != nil {
		return t, err
	}
	t.path = path
	sizeRaw, sizeKey, ok := lookupField(obj, "size", "Length")
	if !ok {
		return t, invalidRecord("record has no size (expected \"size\" or \"Length\")")
	}
	size, err := strconv.ParseInt(string(sizeRaw), 10, 64)
	if err != nil || size < 0 {
		return t, invalidRecord("record's %q is %s, not a whole number of bytes", sizeKey, sizeRaw)
	}
	t.size = size
	timeRaw, timeKey, ok := lookupField(obj, "modTime", "LastWriteTimeUtc", "LastWriteTime")
	if !ok {
		return t, invalidRecord("record has no modification time (expected \"modTime\", \"LastWriteTimeUtc\" or \"LastWriteTime\")")
	}
	t.modTime, t.modDigits, err = parseRecordTime(timeRaw)
	if err != nil {
		return t, invalidRecord("record's %q: %v", timeKey, err)
	}
	if raw, ok := obj.Get("fileId"); ok && string(raw) != "null" {
		if unmarshalString(raw, &t.fileID) != nil || t.fileID == "" {
			return t, invalidRecord("record's \"fileId\" is %s, not a non-empty string", raw)
		}
	}
	return t, nil
}

func recordPath(obj jsonio.Object) (string, error) {
	path, err := recordTextPath(obj)
	if err != nil {
		return "", err
	}
	raw, ok := obj.Get("pathBytes")
	if !ok || string(raw) == "null" {
		return path, nil
	}
	exact, err := recordPathBytes(raw)
	if err != nil {
		return "", err
	}
	// The report shows path, so pathBytes may only spell the same name with
	// the bytes that path could not carry.
	if strings.ToValidUTF8(exact, "\uFFFD") != path {
		return "", invalidRecord("record's \"pathBytes\" names another file than its \"path\"")
	}
	return exact, nil
}

// recordPathBytes decodes pathBytes, the base64 of a path that is not valid
// UTF-8.
func recordPathBytes(raw json.RawMessage) (string, error) {
	var encoded string
	if err := unmarshalString(raw, &encoded); err != nil {
		return "", invalidRecord("record's \"pathBytes\" is not a string")
	}
	b, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(b) == 0 {
		return "", invalidRecord("record's \"pathBytes\" is not valid base64")
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return "", invalidRecord("record's \"pathBytes\" contains a NUL byte")
	}
	return string(b), nil
}

// recordTextPath reads path, or PowerShell's FullName.
func recordTextPath(obj jsonio.Object) (string, error) {
	raw, key, ok := lookupField(obj, "path", "FullName")
	if !ok {
		return "", invalidRecord("record has no path (expected \"path\" or \"FullName\")")
	}
	var path string
	if err := unmarshalString(raw, &path); err != nil || path == "" {
		return "", invalidRecord("record's %q is %s, not a non-empty string", key, raw)
	}
	if strings.ContainsRune(path, 0) {
		return "", invalidRecord("record's %q contains a NUL character", key)
	}
	return path, nil
}

// lookupField returns the first of keys that obj has: the first key exactly,
// the others (PowerShell's property names) case-insensitively.
func lookupField(obj jsonio.Object, keys ...string) (json.RawMessage, string, bool) {
	if raw, ok := obj.Get(keys[0]); ok && string(raw) != "null" {
		return raw, keys[0], true
	}
	for _, key := range keys[1:] {
		if raw, actual, ok := obj.GetFold(key); ok && string(raw) != "null" {
			return raw, actual, true
		}
	}
	return nil, "", false
}

// parseRecordTime reads a time given as a string, or as Windows PowerShell
// 5.1's date object {"value": "\/Date(...)\/", "DateTime": ...}.
func parseRecordTime(raw json.RawMessage) (time.Time, int, error) {
	var s string
	if err := unmarshalString(raw, &s); err != nil {
		obj, objErr := jsonio.ParseObject(raw)
		if objErr != nil {
			return time.Time{}, 0, errors.New("not a date string")
		}
		value, _, ok := obj.GetFold("value")
		if !ok || unmarshalString(value, &s) != nil {
			return time.Time{}, 0, errors.New("date object has no string \"value\"")
		}
	}
	return ParseTime(s)
}

// unmarshalString decodes raw, a JSON string, into dst as json.Unmarshal
// does, with a fast path for the common string that needs no unescaping.
// Any other JSON, such as a number, is left to json.Unmarshal and its error.
func unmarshalString(raw json.RawMessage, dst *string) error {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		inner := raw[1 : len(raw)-1]
		plain := utf8.Valid(inner)
		for _, c := range inner {
			if c < 0x20 || c == '"' || c == '\\' {
				plain = false
				break
			}
		}
		if plain {
			*dst = string(inner)
			return nil
		}
	}
	return json.Unmarshal(raw, dst)
}
