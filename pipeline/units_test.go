package pipeline

import (
	"strings"
	"testing"
)

func TestParseDuration(t *testing.T) {
	cases := map[string]float64{
		"90s": 90, "15m": 900, "36h": 129600, "7d": 604800, "2w": 1209600,
		"1d12h": 129600, "1h 30m": 5400, "1.5h": 5400, "45": 45, "3 days": 259200, "7D": 604800,
	}
	for text, want := range cases {
		got, err := ParseDuration(text)
		if err != nil {
			t.Errorf("ParseDuration(%q): %v", text, err)
			continue
		}
		if got != want {
			t.Errorf("ParseDuration(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestParseDurationInvalid(t *testing.T) {
	for _, text := range []string{"", "d", "7 fortnights", "1..5h", "-3d", "h7"} {
		if got, err := ParseDuration(text); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", text, got)
		}
	}
}

func TestParseSize(t *testing.T) {
	cases := map[string]float64{
		"512": 512, "4KB": 4096, "4kb": 4096, "4 KiB": 4096, "1.5MB": 1.5 * 1024 * 1024,
		"2G": 2 << 30, "1TB": 1 << 40, "10B": 10,
	}
	for text, want := range cases {
		got, err := ParseSize(text)
		if err != nil {
			t.Errorf("ParseSize(%q): %v", text, err)
			continue
		}
		if got != want {
			t.Errorf("ParseSize(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestParseSizeUnknownUnit(t *testing.T) {
	_, err := ParseSize("4 parsecs")
	if err == nil || !strings.Contains(err.Error(), `unknown unit "parsecs"`) {
		t.Errorf("error = %v, want it to name the unit", err)
	}
}
