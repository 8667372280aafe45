package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// psFile creates a file whose size and time the PowerShell-shaped records
// below describe: 2048 bytes, last written at 1500328388918 ms.
func psFile(t *testing.T, name string) (string, string) {
	t.Helper()
	root := tempDir(t)
	path := filepath.Join(root, name)
	if err := os.WriteFile(path, make([]byte, 2048), 0o644); err != nil {
		t.Fatal(err)
	}
	modTime := time.UnixMilli(1500328388918)
	if err := os.Chtimes(path, modTime, modTime); err != nil {
		t.Fatal(err)
	}
	return root, path
}

func jsonString(s string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

// utf16LE encodes text as Windows PowerShell 5.1's ">" and Out-File do:
// UTF-16LE with a BOM and CRLF line ends.
func utf16LE(text string) []byte {
	text = strings.ReplaceAll(text, "\n", "\r\n")
	var buf bytes.Buffer
	buf.Write([]byte{0xFF, 0xFE})
	for _, u := range utf16.Encode([]rune(text)) {
		binary.Write(&buf, binary.LittleEndian, u)
	}
	return buf.Bytes()
}

func runDelete(t *testing.T, input []byte, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	s := streams{stdin: bytes.NewReader(input), stdout: &stdout, stderr: &stderr}
	code := runWithStreams(context.Background(), append([]string{"delete", "--dry-run"}, args...), s)
	return stdout.String(), stderr.String(), code
}

func TestPowerShellInputForms(t *testing.T) {
	root, path := psFile(t, "session.mmp")
	p := jsonString(path)
	pretty := "[\n    {\n        \"FullName\":  " + p + ",\n        \"Length\":  2048,\n" +
		"        \"LastWriteTimeUtc\":  \"\\/Date(1500328388918)\\/\"\n    }\n]\n"
	cases := map[string][]byte{
		"5.1 Out-File array in UTF-16LE": utf16LE(pretty),
		"5.1 UTF-8 with BOM":             append([]byte("\xEF\xBB\xBF"), pretty...),
		"single bare object": []byte("{\n    \"FullName\":  " + p + ",\n    \"Length\":  2048,\n" +
			"    \"LastWriteTimeUtc\":  \"\\/Date(1500328388918)\\/\"\n}\n"),
		"ConvertTo-Json -Compress per object": []byte(`{"FullName":` + p + `,"Length":2048,"LastWriteTimeUtc":"\/Date(1500328388918)\/"}` + "\r\n"),
		"7 ISO date with 7 digits":            []byte(`{"FullName":` + p + `,"Length":2048,"LastWriteTimeUtc":"2017-07-17T21:53:08.918Z"}`),
		"7 local date with offset":            []byte(`{"FullName":` + p + `,"Length":2048,"LastWriteTime":"2017-07-17T23:53:08.9180000+02:00"}`),
		"5.1 date object":                     []byte(`{"FullName":` + p + `,"Length":2048,"LastWriteTimeUtc":{"value":"\/Date(1500328388918)\/","DisplayHint":2,"DateTime":"Monday, 17 July 2017 21:53:08"}}`),
	}
	for name, input := range cases {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := runDelete(t, input, "--root", root)
			if code != exitOK {
				t.Errorf("exit code = %d, stderr: %s", code, stderr)
			}
			if !strings.Contains(stdout, `"action":"would-delete"`) || strings.Count(stdout, "\n") != 1 {
				t.Errorf("stdout = %q, want one would-delete record", stdout)
			}
		})
	}
}

func TestANSICodePageInput(t *testing.T) {
	root, path := psFile(t, "café.mmp")
	record := `{"FullName":` + jsonString(path) + `,"Length":2048,"LastWriteTimeUtc":"\/Date(1500328388918)\/"}` + "\r\n"
	ansi := bytes.ReplaceAll([]byte(record), []byte("é"), []byte{0xE9})

	_, stderr, code := runDelete(t, ansi, "--root", root)
	if code != exitIncomplete {
		t.Errorf("exit code = %d, want %d", code, exitIncomplete)
	}
	if !strings.Contains(stderr, "--input-encoding windows-1252") {
		t.Errorf("stderr = %q, want a hint naming --input-encoding", stderr)
	}

	stdout, stderr, code := runDelete(t, ansi, "--root", root, "--input-encoding", "windows-1252")
	if code != exitOK || !strings.Contains(stdout, `"action":"would-delete"`) {
		t.Errorf("with --input-encoding: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestFormattedTableInput(t *testing.T) {
	table := "\r\n    Directory: C:\\Exchsrvr\\Webtemp\r\n\r\nMode                 LastWriteTime         Length Name\r\n" +
		"----                 -------------         ------ ----\r\n-a----        17.07.2017     21:53           2048 a.mmp\r\n"
	stdout, stderr, code := runDelete(t, utf16LE(table), "--root", tempDir(t))
	if code != exitIncomplete {
		t.Errorf("exit code = %d, want %d", code, exitIncomplete)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if !strings.Contains(stderr, "hint: ") || !strings.Contains(stderr, "ConvertTo-Json") {
		t.Errorf("stderr = %q, want a hint with ConvertTo-Json", stderr)
	}
}

func TestQuestionMarkPathHint(t *testing.T) {
	root, _ := psFile(t, "caf\u00e9.mmp")
	mangled := filepath.Join(root, "caf?.mmp")
	input := `{"FullName":` + jsonString(mangled) + `,"Length":2048,"LastWriteTimeUtc":"\/Date(1500328388918)\/"}`
	stdout, _, code := runDelete(t, []byte(input), "--root", root)
	if code != exitIncomplete {
		t.Errorf("exit code = %d, want %d", code, exitIncomplete)
	}
	if !strings.Contains(stdout, `"reason":"not-found"`) || !strings.Contains(stdout, "$OutputEncoding") {
		t.Errorf("stdout = %q, want not-found with a hint about $OutputEncoding", stdout)
	}
}

func TestInterruptedRunExits130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root, path := psFile(t, "a.mmp")
	input := `{"FullName":` + jsonString(path) + `,"Length":2048,"LastWriteTimeUtc":"\/Date(1500328388918)\/"}`
	var stdout, stderr bytes.Buffer
	s := streams{stdin: strings.NewReader(input), stdout: &stdout, stderr: &stderr}
	code := runWithStreams(ctx, []string{"delete", "--root", root}, s)
	if code != exitInterrupted {
		t.Errorf("exit code = %d, want %d", code, exitInterrupted)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("file deleted after the interruption: %v", err)
	}
}

func TestFilterDeepValueGoesOn(t *testing.T) {
	deep := `{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + "}"
	input := "{\"ok\":1}\n" + deep + "\n{\"ok\":9}\n"
	var stdout, stderr bytes.Buffer
	s := streams{stdin: strings.NewReader(input), stdout: &stdout, stderr: &stderr}
	code := runWithStreams(context.Background(), []string{"filter", ".ok"}, s)
	if code != exitIncomplete {
		t.Errorf("exit code = %d, want %d", code, exitIncomplete)
	}
	if stdout.String() != "1\n9\n" {
		t.Errorf("stdout = %q, want the records around the deep one", stdout.String())
	}
	if !strings.Contains(stderr.String(), "line 2: ") {
		t.Errorf("stderr = %q, want the deep record's line", stderr.String())
	}
}
