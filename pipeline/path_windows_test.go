package pipeline

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{`C:\Exchsrvr\Webtemp`, `C:\Exchsrvr\Webtemp`},
		{`C:/Exchsrvr/Webtemp`, `C:\Exchsrvr\Webtemp`},
		{`\\?\C:\Exchsrvr\Webtemp`, `C:\Exchsrvr\Webtemp`},
		{`\\?\c:\`, `c:\`},
		{`\??\C:\Exchsrvr`, `C:\Exchsrvr`},
		{`\\.\C:\Exchsrvr`, `C:\Exchsrvr`},
		{`\\server\share\dir`, `\\server\share\dir`},
		{`\\?\UNC\server\share\dir`, `\\server\share\dir`},
		{`\\?\unc\server\share\dir`, `\\server\share\dir`},
		{`//?/UNC/server/share/dir`, `\\server\share\dir`},
		{`\\?\C:`, `\\?\C:`},
		{`\\?\Volume{01234567-89ab-cdef-0123-456789abcdef}\dir`, `\\?\Volume{01234567-89ab-cdef-0123-456789abcdef}\dir`},
		{`relative\dir`, `relative\dir`},
	}
	for _, tt := range tests {
		if got := normalPath(tt.in); got != tt.want {
			t.Errorf("normalPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWin32Path(t *testing.T) {
	tests := []struct{ in, want string }{
		{`C:\Exchsrvr\Webtemp`, `\\?\C:\Exchsrvr\Webtemp`},
		{`C:\`, `\\?\C:\`},
		{`C:\name ending in dot.`, `\\?\C:\name ending in dot.`},
		{`\\server\share\dir`, `\\?\UNC\server\share\dir`},
		{`\\?\Volume{01234567-89ab-cdef-0123-456789abcdef}\dir`, `\\?\Volume{01234567-89ab-cdef-0123-456789abcdef}\dir`},
		{`\??\C:\dir`, `\\?\C:\dir`},
		{`\\.\pipe\name`, `\\.\pipe\name`},
	}
	for _, tt := range tests {
		if got := win32Path(tt.in); got != tt.want {
			t.Errorf("win32Path(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNeedsExtendedForm(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`C:\Exchsrvr\Webtemp\a.mmp`, false},
		{`C:\Exchsrvr\Webtemp\a.mmp.`, true},
		{`C:\Exchsrvr\Webtemp \a.mmp`, true},
		{`C:\` + strings.Repeat("x", 300), true},
	}
	for _, tt := range tests {
		if got := needsExtendedForm(tt.in); got != tt.want {
			t.Errorf("needsExtendedForm(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestFoldPathKeepsLength(t *testing.T) {
	tests := []struct{ in, want string }{
		{`C:\Exchsrvr\Webtemp\a.mmp`, `C:\EXCHSRVR\WEBTEMP\A.MMP`},
		{`c:\straße\ärger`, `C:\STRAßE\ÄRGER`},
		// U+0131 (dotless i) upper-cases to ASCII I, a byte shorter.
		{"c:\\\u0131", "C:\\\u0131"},
		// Deseret letters are outside the Basic Multilingual Plane.
		{"c:\\\U00010428", "C:\\\U00010428"},
		{"c:\\bad\xffbyte", "C:\\BAD\xffBYTE"},
	}
	for _, tt := range tests {
		got := foldPath(tt.in)
		if got != tt.want {
			t.Errorf("foldPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) != len(tt.in) {
			t.Errorf("foldPath(%q) has %d bytes, want %d", tt.in, len(got), len(tt.in))
		}
	}
}

func TestJoinPath(t *testing.T) {
	tests := []struct{ dir, name, want string }{
		{`C:\`, "a.mmp", `C:\a.mmp`},
		{`C:\Webtemp`, "a.mmp", `C:\Webtemp\a.mmp`},
		{`\\server\share`, "a.mmp", `\\server\share\a.mmp`},
	}
	for _, tt := range tests {
		if got := joinPath(tt.dir, tt.name); got != tt.want {
			t.Errorf("joinPath(%q, %q) = %q, want %q", tt.dir, tt.name, got, tt.want)
		}
	}
}

func TestAbsRootForms(t *testing.T) {
	tests := []struct{ in, want string }{
		{`\\?\UNC\server\share\dir`, `\\server\share\dir`},
		{`\\server\share\dir\`, `\\server\share\dir`},
		{`//server/share/dir`, `\\server\share\dir`},
		{`\\?\C:\Web\name ending in dot.`, `C:\Web\name ending in dot.`},
		{`C:\Web\.\sub\..\Webtemp`, `C:\Web\Webtemp`},
		{`C:\`, `C:\`},
	}
	for _, tt := range tests {
		got, err := absRoot(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("absRoot(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

// deleterWithRoots returns a Deleter whose roots have no handles, enough
// for locate.
func deleterWithRoots(t *testing.T, roots ...string) *Deleter {
	t.Helper()
	d := &Deleter{}
	for _, root := range roots {
		abs, err := absRoot(root)
		if err != nil {
			t.Fatal(err)
		}
		d.roots = append(d.roots, &openRoot{path: abs, folded: foldPath(abs)})
	}
	return d
}

func TestLocateUNCAndDriveRoots(t *testing.T) {
	d := deleterWithRoots(t, `\\?\UNC\web01\c$\Exchsrvr\Webtemp`, `D:\`, `\\web02\temp`)
	tests := []struct {
		path     string
		wantRoot string
		wantRel  []string
	}{
		{`\\web01\c$\Exchsrvr\Webtemp\a.mmp`, `\\web01\c$\Exchsrvr\Webtemp`, []string{"a.mmp"}},
		{`\\WEB01\C$\EXCHSRVR\webtemp\sub\a.mmp`, `\\web01\c$\Exchsrvr\Webtemp`, []string{"sub", "a.mmp"}},
		{`\\?\UNC\web01\c$\Exchsrvr\Webtemp\a.mmp`, `\\web01\c$\Exchsrvr\Webtemp`, []string{"a.mmp"}},
		{`//web01/c$/Exchsrvr/Webtemp/a.mmp`, `\\web01\c$\Exchsrvr\Webtemp`, []string{"a.mmp"}},
		{`d:\x\a.mmp`, `D:\`, []string{"x", "a.mmp"}},
		{`\\?\D:\a.mmp`, `D:\`, []string{"a.mmp"}},
		{`\\web02\temp\a.mmp`, `\\web02\temp`, []string{"a.mmp"}},
	}
	for _, tt := range tests {
		root, rel, reason, err := d.locate(tt.path)
		if err != nil {
			t.Errorf("locate(%q): %s: %v", tt.path, reason, err)
			continue
		}
		if root.path != tt.wantRoot {
			t.Errorf("locate(%q) root = %q, want %q", tt.path, root.path, tt.wantRoot)
		}
		if !slices.Equal(rel, tt.wantRel) {
			t.Errorf("locate(%q) components = %q, want %q", tt.path, rel, tt.wantRel)
		}
	}
}

func TestLocateRejectsOutsideRoot(t *testing.T) {
	d := deleterWithRoots(t, `\\web01\c$\Exchsrvr\Web`, `C:\Web`)
	tests := []struct {
		path string
		want Reason
	}{
		{`\\web01\c$\Exchsrvr\Webtemp\a.mmp`, ReasonOutsideRoot},
		{`\\?\UNC\web01\c$\Exchsrvr\Webtemp\a.mmp`, ReasonOutsideRoot},
		{`\\web02\c$\Exchsrvr\Web\a.mmp`, ReasonOutsideRoot},
		{`C:\Webtemp\a.mmp`, ReasonOutsideRoot},
		{`c:\WEBTEMP\a.mmp`, ReasonOutsideRoot},
		{`C:\Web\..\Webtemp\a.mmp`, ReasonOutsideRoot},
		{`C:\Web\sub\..\..\a.mmp`, ReasonOutsideRoot},
		{`D:\Web\a.mmp`, ReasonOutsideRoot},
		{`Web\a.mmp`, ReasonInvalidRecord},
		{`C:Web\a.mmp`, ReasonInvalidRecord},
		{`C:\WEB`, ReasonNotRegular},
	}
	for _, tt := range tests {
		_, _, reason, err := d.locate(tt.path)
		if reason != tt.want {
			t.Errorf("locate(%q) = %q (%v), want %q", tt.path, reason, err, tt.want)
		}
	}
}

func TestHostForRoot(t *testing.T) {
	cases := map[string]string{
		`\\web1\c$\Exchsrvr\Webtemp`:       "web1",
		`\\?\UNC\web2\c$\Exchsrvr\Webtemp`: "web2",
		`\\?\C:\Exchsrvr\Webtemp`:          "admin",
		`C:\Exchsrvr\Webtemp`:              "admin",
		`\\`:                               "admin",
	}
	for root, want := range cases {
		if got := HostForRoot(root, "admin"); got != want {
			t.Errorf("HostForRoot(%q) = %q, want %q", root, got, want)
		}
	}
}

func TestAbsRootRejectsDriveRelative(t *testing.T) {
	for _, root := range []string{`C:`, `C:wt`, `c:Exchsrvr\Webtemp`} {
		if got, err := absRoot(root); err == nil {
			t.Errorf("absRoot(%q) = %q, want an error", root, got)
		}
	}
}
