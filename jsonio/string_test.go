package jsonio

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"", "plain", `quote " and backslash \`, "\b\f\n\r\t\x00\x1f\x7f",
		"<html> & more", "é 日本 😀", "line\u2028para\u2029", "bad \xff utf-8",
		"eight by eight bytes: 01234567\x01", "a long plain run of text without anything special in it",
	}
	for _, s := range cases {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		got := string(AppendString(nil, s))
		if got+"\n" != want.String() {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want.String())
		}
	}
}
