package pipeline

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sys/windows"
)

// Paths in records and roots are kept in their normal form (C:\dir\name or
// \\server\share\dir\name), and are turned into the extended-length form
// (\\?\C:\... or \\?\UNC\server\share\...) only for Win32 calls. That form
// is not limited to MAX_PATH (260 characters), and Win32 does not strip
// trailing dots and spaces from its names.

// absRoot returns root as a clean absolute path in normal form, with 8.3
// short names expanded when root exists.
func absRoot(root string) (string, error) {
	path := normalPath(root)
	if filepath.IsAbs(path) {
		// filepath.Abs would call GetFullPathName, which drops trailing
		// dots and spaces from the last name.
		path = filepath.Clean(path)
	} else {
		// "C:" and "C:dir" are relative to the current directory of drive
		// C:, which is easy to mistake for the root of the drive.
		if vol := filepath.VolumeName(path); vol != "" {
			return "", fmt.Errorf("%q is relative to the current directory of drive %s: write %s\\%s", root, vol, vol, path[len(vol):])
		}
		var err error
		if path, err = filepath.Abs(path); err != nil {
			return "", err
		}
	}
	return expandShortNames(path), nil
}

func joinPath(dir, name string) string {
	if strings.HasSuffix(dir, `\`) {
		return dir + name
	}
	return dir + `\` + name
}

// Windows file systems compare names case-insensitively, so globs, names
// and paths are compared in upper case.
func foldGlob(glob string) string { return upcase(glob) }
func foldName(name string) string { return upcase(name) }
func foldPath(path string) string { return upcase(path) }

func isSeparator(r rune) bool { return r == '\\' || r == '/' }

// cleanRecordPath returns a record's path in the same form as absRoot
// returns roots, so that the two can be compared as strings.
func cleanRecordPath(path string) string {
	return expandShortNames(filepath.Clean(normalPath(path)))
}

// upcase maps every character to upper case the way NTFS compares names.
// NTFS looks up each UTF-16 code unit in its upcase table, so characters
// outside the Basic Multilingual Plane are left as they are. The result has
// the same length in bytes as s, which lets a caller cut the original string
// at a position found in the folded one. Characters whose upper case has a
// different UTF-8 length are therefore left as they are too, and so are
// bytes that are not valid UTF-8.
func upcase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteRune(upcaseRune(r))
		i += size
	}
	return b.String()
}

func upcaseRune(r rune) rune {
	if r >= 0x10000 {
		return r
	}
	upper := unicode.ToUpper(r)
	if upper >= 0x10000 || utf8.RuneLen(upper) != utf8.RuneLen(r) {
		return r
	}
	return upper
}

// Prefixes that switch off Win32's path normalisation (\\?\), name the NT
// object directory directly (\??\), or name the device namespace (\\.\).
const (
	extendedPrefix = `\\?\`
	ntPrefix       = `\??\`
	devicePrefix   = `\\.\`
)

// normalPath turns the extended-length, NT and device forms of a drive or
// UNC path into the normal form: \\?\C:\dir becomes C:\dir and
// \\?\UNC\server\share\dir becomes \\server\share\dir. Go's filepath treats
// \\?\UNC as a volume of its own and the server and share as directories,
// so both UNC forms must become one before paths are compared. Any other
// path, such as \\?\Volume{GUID}\dir, is returned unchanged apart from
// forward slashes, which become backslashes.
func normalPath(path string) string {
	path = strings.ReplaceAll(path, "/", `\`)
	if len(path) < len(extendedPrefix) {
		return path
	}
	switch path[:4] {
	case extendedPrefix, ntPrefix, devicePrefix:
	default:
		return path
	}
	rest := path[4:]
	if len(rest) >= 4 && strings.EqualFold(rest[:4], `UNC\`) {
		return `\\` + rest[4:]
	}
	if len(rest) >= 3 && isDriveLetter(rest[0]) && rest[1] == ':' && rest[2] == '\\' {
		return rest
	}
	return path
}

func isDriveLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// win32Path returns the extended-length form of a clean absolute path in
// normal form, for passing to Win32 calls. Device paths (\\.\...) and paths
// in a form it does not recognise are returned unchanged.
func win32Path(path string) string {
	switch {
	case strings.HasPrefix(path, extendedPrefix), strings.HasPrefix(path, devicePrefix):
		return path
	case strings.HasPrefix(path, ntPrefix):
		return extendedPrefix + path[len(ntPrefix):]
	case strings.HasPrefix(path, `\\`):
		return extendedPrefix + `UNC\` + path[2:]
	case len(path) >= 3 && isDriveLetter(path[0]) && path[1] == ':' && path[2] == '\\':
		return extendedPrefix + path
	}
	return path
}

// expandShortNames replaces 8.3 short names (PROGRA~1) in path with the
// long names they stand for, so that a path written either way is compared
// with the roots alike. Windows gives every short name it generates a
// tilde, so a path without one is returned as it is. When the file itself
// is gone, the longest part of the path that exists is expanded and the
// rest is kept.
func expandShortNames(path string) string {
	if !strings.Contains(path, "~") {
		return path
	}
	volume := len(filepath.VolumeName(path))
	head, tail := path, ""
	for len(head) > volume+1 {
		if long, err := longPathName(head); err == nil {
			return long + tail
		}
		i := strings.LastIndexByte(head, '\\')
		if i < volume {
			break
		}
		head, tail = head[:i], head[i:]+tail
	}
	return path
}

// longPathName calls GetLongPathNameW on an existing path. It passes the
// normal form unless the path needs the extended-length one, because Wine
// 8.0 returns an extended-length path unexpanded.
func longPathName(path string) (string, error) {
	arg := path
	if needsExtendedForm(path) {
		arg = win32Path(path)
	}
	in, err := windows.UTF16PtrFromString(arg)
	if err != nil {
		return "", err
	}
	buf := make([]uint16, windows.MAX_PATH)
	for {
		n, err := windows.GetLongPathName(in, &buf[0], uint32(len(buf)))
		if err != nil {
			return "", err
		}
		if n < uint32(len(buf)) {
			return normalPath(windows.UTF16ToString(buf[:n])), nil
		}
		buf = make([]uint16, n)
	}
}

// needsExtendedForm reports whether Win32 would misread path in normal
// form: because it is MAX_PATH characters or longer, or because a name in
// it ends in a dot or a space, which Win32 strips.
func needsExtendedForm(path string) bool {
	if len(path) >= windows.MAX_PATH {
		return true
	}
	for _, name := range strings.Split(path, `\`) {
		if strings.HasSuffix(name, ".") && name != "." && name != ".." || strings.HasSuffix(name, " ") {
			return true
		}
	}
	return false
}
