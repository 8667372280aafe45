package jsonio

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseObjectMembers(t *testing.T) {
	raw := "{\r\n  \"path\":  \"C:\\\\Temp\\\\a.tmp\",\r\n  \"size\": 123456789012345678901234567890,\r\n  \"n\":1.10,\r\n  \"parent\":  {\r\n    \"Name\":  \"Temp\"\r\n  },\r\n  \"tags\": [ \"a b\", 1 ],\r\n  \"esc\\u00e9\\n\": null\r\n}"
	obj, err := ParseObject([]byte(raw))
	if err != nil {
		t.Fatalf("ParseObject: %v", err)
	}
	want := []Member{
		{"path", json.RawMessage(`"C:\\Temp\\a.tmp"`)},
		{"size", json.RawMessage(`123456789012345678901234567890`)},
		{"n", json.RawMessage(`1.10`)},
		{"parent", json.RawMessage(`{"Name":"Temp"}`)},
		{"tags", json.RawMessage(`["a b",1]`)},
		{"esc\u00e9\n", json.RawMessage(`null`)},
	}
	if len(obj) != len(want) {
		t.Fatalf("got %d members, want %d", len(obj), len(want))
	}
	for k, m := range want {
		if obj[k].Key != m.Key {
			t.Errorf("member %d: key %q, want %q", k, obj[k].Key, m.Key)
		}
		if string(obj[k].Value) != string(m.Value) {
			t.Errorf("member %d: value %s, want %s", k, obj[k].Value, m.Value)
		}
	}
}

func TestParseObjectKeys(t *testing.T) {
	cases := []struct{ raw, want string }{
		{`{"a\"b":1}`, `a"b`},
		{`{"\ud83d\ude00":1}`, "😀"},
		{`{"\ud83d":1}`, "\uFFFD"},
		{`{"\/\\\b\f\r\t":1}`, "/\\\b\f\r\t"},
		{`{"":1}`, ""},
	}
	for _, tc := range cases {
		obj, err := ParseObject([]byte(tc.raw))
		if err != nil {
			t.Errorf("ParseObject(%s): %v", tc.raw, err)
			continue
		}
		if obj[0].Key != tc.want {
			t.Errorf("ParseObject(%s) key %q, want %q", tc.raw, obj[0].Key, tc.want)
		}
	}
}

func TestParseObjectEmpty(t *testing.T) {
	obj, err := ParseObject([]byte(" { } "))
	if err != nil {
		t.Fatalf("ParseObject: %v", err)
	}
	if len(obj) != 0 {
		t.Errorf("got %d members, want 0", len(obj))
	}
}

func TestParseObjectErrors(t *testing.T) {
	cases := []struct{ raw, want string }{
		{`[1]`, "record is not a JSON object but an array"},
		{`"s"`, "record is not a JSON object but a string"},
		{`-1`, "record is not a JSON object but a number"},
		{`true`, "record is not a JSON object but a boolean"},
		{`null`, "record is not a JSON object but null"},
		{``, "record is empty"},
		{`{"a":1`, "invalid JSON: expected ',' or '}' after the object member but found the end of the input"},
		{`{"a":1} x`, "invalid JSON: expected the end of the record but found 'x'"},
		{"{\"a\":\"\xff\"}", "invalid JSON: expected UTF-8 text but found byte 0xFF"},
		{`hello`, "record is not a JSON object but invalid JSON starting with 'h'"},
	}
	for _, tc := range cases {
		_, err := ParseObject([]byte(tc.raw))
		if err == nil {
			t.Errorf("ParseObject(%q) returned no error", tc.raw)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("ParseObject(%q): %q, want %q", tc.raw, err, tc.want)
		}
	}
}

func TestObjectGetLastDuplicate(t *testing.T) {
	obj, _ := ParseObject([]byte(`{"a":1,"b":2,"a":3}`))
	v, ok := obj.Get("a")
	if !ok || string(v) != "3" {
		t.Errorf("Get(a) = %s, %v, want 3, true", v, ok)
	}
	if _, ok := obj.Get("A"); ok {
		t.Error("Get(A) found a member")
	}
}

func TestObjectGetFold(t *testing.T) {
	obj, _ := ParseObject([]byte(`{"fullname":"x","FullName":"y"}`))
	v, key, ok := obj.GetFold("FULLNAME")
	if !ok {
		t.Fatal("GetFold(FULLNAME) found nothing")
	}
	if key != "fullname" {
		t.Errorf("GetFold key %q, want fullname", key)
	}
	if string(v) != `"x"` {
		t.Errorf("GetFold value %s, want \"x\"", v)
	}
	if _, _, ok := obj.GetFold("name"); ok {
		t.Error("GetFold(name) found a member")
	}
}

func TestObjectSetDeleteAppend(t *testing.T) {
	obj, _ := ParseObject([]byte(`{"a":1,"b":2,"a":3}`))
	obj.Set("b", json.RawMessage(`"x"`))
	obj.Set("c", json.RawMessage("[ 1, 2 ]"))
	obj.Set("d", nil)
	if got := string(obj.AppendJSON(nil)); got != `{"a":1,"b":"x","a":3,"c":[1,2],"d":null}` {
		t.Errorf("after Set: %s", got)
	}
	obj.Delete("a")
	if got := string(obj.AppendJSON([]byte("prefix "))); got != `prefix {"b":"x","c":[1,2],"d":null}` {
		t.Errorf("after Delete: %s", got)
	}
}

func TestObjectAppendJSONKeys(t *testing.T) {
	obj := Object{{Key: "<a\"\n\x01\u2028é\xff>", Value: json.RawMessage("1")}}
	got := string(obj.AppendJSON(nil))
	want := `{"<a\"\n\u0001\u2028é\ufffd>":1}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Errorf("%s is not valid JSON", got)
	}
}

func TestObjectRoundTrip(t *testing.T) {
	raw := strings.ReplaceAll(psFirst[2:], "\r\n", "\n")
	obj, err := ParseObject([]byte(raw))
	if err != nil {
		t.Fatalf("ParseObject: %v", err)
	}
	want := `{"Name":"a.tmp","Length":12,"LastWriteTime":"\/Date(1500328388918)\/","Parent":{"Name":"Temp"}}`
	if got := string(obj.AppendJSON(nil)); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
