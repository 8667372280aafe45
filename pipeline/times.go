package pipeline

import (
	"time"
)

// formatTime formats t as RFC 3339 in UTC with as many fraction digits as
// the time carries, so that delete can compare at the same precision.
func formatTime(t time.Time) string {
	return string(appendTime(nil, t))
}

// appendTime appends t as formatTime formats it. It formats years 1 to 9999
// by hand, because list formats five times per file and time.AppendFormat
// is a large part of that cost, and leaves other years to AppendFormat.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 1 || year > 9999 {
		return t.AppendFormat(dst, time.RFC3339Nano)
	}
	hour, minute, second := t.Clock()
	dst = appendDigits(dst, year, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, second, 2)
	if nanos := t.Nanosecond(); nanos != 0 {
		digits := 9
		for nanos%10 == 0 {
			nanos /= 10
			digits--
		}
		dst = append(dst, '.')
		dst = appendDigits(dst, nanos, digits)
	}
	return append(dst, 'Z')
}

// appendDigits appends n, which is not negative, as exactly width decimal
// digits, with leading zeros.
func appendDigits(dst []byte, n, width int) []byte {
	var buf [9]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return append(dst, buf[:width]...)
}
