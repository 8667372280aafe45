package pipeline

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	cases := []struct {
		text   string
		want   time.Time
		digits int
	}{
		{"/Date(1500328388918)/", time.UnixMilli(1500328388918), 3},
		{"/Date(1500328388918+0100)/", time.UnixMilli(1500328388918), 3},
		{"/Date(-1000)/", time.UnixMilli(-1000), 3},
		{"2017-07-17T21:53:08.9180000Z", time.UnixMilli(1500328388918), 7},
		{"2017-07-17T23:53:08.918+02:00", time.UnixMilli(1500328388918), 3},
		{"2017-07-17T21:53:08Z", time.Unix(1500328388, 0), 0},
		{"2017-07-17T21:53:08.123456789Z", time.Unix(1500328388, 123456789), 9},
	}
	for _, c := range cases {
		got, digits, err := ParseTime(c.text)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", c.text, err)
			continue
		}
		if !got.Equal(c.want) {
			t.Errorf("ParseTime(%q) = %v, want %v", c.text, got, c.want)
		}
		if digits != c.digits {
			t.Errorf("ParseTime(%q) digits = %d, want %d", c.text, digits, c.digits)
		}
	}
}

func TestParseTimeNoZoneIsLocal(t *testing.T) {
	got, _, err := ParseTime("2017-07-17T21:53:08.918")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2017, 7, 17, 21, 53, 8, 918e6, time.Local)
	if !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParseTimeInvalid(t *testing.T) {
	for _, text := range []string{"", "yesterday", "/Date(abc)/", "/Date(123", "2017-13-01T00:00:00Z"} {
		if _, _, err := ParseTime(text); err == nil {
			t.Errorf("ParseTime(%q) gave no error", text)
		}
	}
}

func TestTruncateToDigits(t *testing.T) {
	ts := time.Date(2024, 1, 1, 0, 0, 0, 123456789, time.UTC)
	cases := map[int]int{0: 0, 3: 123000000, 7: 123456700, 9: 123456789}
	for digits, wantNanos := range cases {
		if got := truncateToDigits(ts, digits).Nanosecond(); got != wantNanos {
			t.Errorf("truncateToDigits(%d) = %d ns, want %d", digits, got, wantNanos)
		}
	}
}
