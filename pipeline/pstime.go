package pipeline

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseTime parses the date forms that tempsweep and PowerShell write: RFC
// 3339 and ISO 8601 with any number of fraction digits ("Z", an offset, or
// no zone, which is read as local time), and the "/Date(milliseconds)/"
// form of Windows PowerShell 5.1 (the JSON text "\/Date(...)\/" decodes to
// it), with an optional offset such as "/Date(1500328388918+0100)/", whose
// milliseconds count from the Unix epoch in UTC whatever the offset.
// It returns the time and the number of fraction digits the text carried,
// which is the precision at which it can be compared.
func ParseTime(s string) (time.Time, int, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "/Date("); ok {
		return parseMicrosoftDate(s, rest)
	}
	t, err := parseISOTime(s)
	if err != nil {
		return time.Time{}, 0, err
	}
	return t, fractionDigits(s), nil
}

func parseMicrosoftDate(s, rest string) (time.Time, int, error) {
	body, ok := strings.CutSuffix(rest, ")/")
	if !ok {
		return time.Time{}, 0, fmt.Errorf("invalid date %q: missing closing \")/\"", s)
	}
	end := len(body)
	if i := strings.IndexAny(body[1:], "+-"); i >= 0 {
		end = i + 1
	}
	ms, err := strconv.ParseInt(body[:end], 10, 64)
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("invalid date %q: milliseconds are not a number", s)
	}
	return time.UnixMilli(ms).UTC(), 3, nil
}

var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func parseISOTime(s string) (time.Time, error) {
	for _, layout := range isoLayouts {
		if hasZone(layout) {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
			continue
		}
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q: expected RFC 3339 or \"/Date(milliseconds)/\"", s)
}

func hasZone(layout string) bool { return strings.HasSuffix(layout, "Z07:00") }

// fractionDigits counts the digits after the decimal point of the seconds.
func fractionDigits(s string) int {
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return 0
	}
	n := 0
	for _, c := range s[i+1:] {
		if c < '0' || c > '9' {
			break
		}
		n++
	}
	return n
}

// truncateToDigits drops the parts of t's fraction of a second beyond
// digits decimal places.
func truncateToDigits(t time.Time, digits int) time.Time {
	if digits >= 9 {
		return t
	}
	unit := time.Duration(1)
	for i := digits; i < 9; i++ {
		unit *= 10
	}
	return t.Truncate(unit)
}
