//go:build !windows

package pipeline

import "path/filepath"

func absRoot(root string) (string, error) { return filepath.Abs(root) }

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// Names on Unix file systems are case-sensitive, so globs and names are
// compared as they are.
func foldGlob(glob string) string { return glob }
func foldName(name string) string { return name }

func foldPath(path string) string { return path }

func isSeparator(r rune) bool { return r == '/' }

func cleanRecordPath(path string) string { return filepath.Clean(path) }
