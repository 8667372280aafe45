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
// by hand, two digits at a time, from the Unix time, because list formats
// five times per file and time.AppendFormat was a large part of that cost.
// Other years are left to AppendFormat.
func appendTime(dst []byte, t time.Time) []byte {
	const (
		firstSecond = -62135596800 // 0001-01-01T00:00:00Z
		lastSecond  = 253402300799 // 9999-12-31T23:59:59Z
	)
	sec := t.Unix()
	if sec < firstSecond || sec > lastSecond {
		return t.UTC().AppendFormat(dst, time.RFC3339Nano)
	}
	days := sec / 86400
	if sec%86400 < 0 {
		days--
	}
	secondOfDay := int(sec - days*86400)
	year, month, day := civilDate(days)

	var buf [len("2006-01-02T15:04:05.999999999Z")]byte
	putTwoDigits(buf[0:], year/100)
	putTwoDigits(buf[2:], year%100)
	buf[4] = '-'
	putTwoDigits(buf[5:], month)
	buf[7] = '-'
	putTwoDigits(buf[8:], day)
	buf[10] = 'T'
	putTwoDigits(buf[11:], secondOfDay/3600)
	buf[13] = ':'
	putTwoDigits(buf[14:], secondOfDay/60%60)
	buf[16] = ':'
	putTwoDigits(buf[17:], secondOfDay%60)
	n := 19
	if nanos := t.Nanosecond(); nanos != 0 {
		buf[19] = '.'
		putTwoDigits(buf[20:], nanos/10_000_000)
		putTwoDigits(buf[22:], nanos/100_000%100)
		putTwoDigits(buf[24:], nanos/1_000%100)
		putTwoDigits(buf[26:], nanos/10%100)
		buf[28] = byte('0' + nanos%10)
		n = 29
		for buf[n-1] == '0' {
			n--
		}
	}
	buf[n] = 'Z'
	return append(dst, buf[:n+1]...)
}

// civilDate returns the Gregorian date of the day that is days after
// 1970-01-01, for the years 1 to 9999.
func civilDate(days int64) (year, month, day int) {
	// Count from 0000-03-01, so that a leap day is the last day of its
	// year, in eras of 400 years, which all have 146097 days.
	days += 719468
	era := days / 146097
	dayOfEra := days - era*146097
	// Every 4 years add a leap day, but not every 100, yet every 400.
	yearOfEra := (dayOfEra - dayOfEra/1460 + dayOfEra/36524 - dayOfEra/146096) / 365
	dayOfYear := dayOfEra - (365*yearOfEra + yearOfEra/4 - yearOfEra/100)
	// The months from March on take 31, 30, 31, 30, 31 days, and again
	// from August and January: 153 days for each five.
	monthFromMarch := (5*dayOfYear + 2) / 153
	day = int(dayOfYear - (153*monthFromMarch+2)/5 + 1)
	month = int(monthFromMarch) + 3
	year = int(era*400 + yearOfEra)
	if month > 12 {
		month -= 12
		year++
	}
	return year, month, day
}

// twoDigits holds "00" to "99", for putTwoDigits.
const twoDigits = "0001020304050607080910111213141516171819" +
	"2021222324252627282930313233343536373839" +
	"4041424344454647484950515253545556575859" +
	"6061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// putTwoDigits writes n, from 0 to 99, as two digits at the start of b.
func putTwoDigits(b []byte, n int) {
	b[0], b[1] = twoDigits[2*n], twoDigits[2*n+1]
}
