package pipeline

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

var durationUnits = map[string]float64{
	"s": 1, "sec": 1, "second": 1, "seconds": 1,
	"m": 60, "min": 60, "minute": 60, "minutes": 60,
	"h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
	"d": 86400, "day": 86400, "days": 86400,
	"w": 604800, "week": 604800, "weeks": 604800,
}

// ParseDuration returns the number of seconds in a duration written as one
// or more number-unit pairs, such as "90s", "36h", "7d", "2w" or "1d12h".
// Units are s, m, h, d (24 hours) and w; a bare number counts seconds.
func ParseDuration(s string) (float64, error) {
	return parseQuantity(s, durationUnits, 1, "duration", "s, m, h, d or w")
}

var sizeUnits = map[string]float64{
	"b": 1,
	"k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
}

// ParseSize returns the number of bytes in a size such as "4KB", "1.5 MB" or
// "512". Units are powers of 1024, as in PowerShell's 1KB, and case does not
// matter; KiB, MiB, GiB and TiB are accepted with the same meaning.
func ParseSize(s string) (float64, error) {
	return parseQuantity(s, sizeUnits, 1, "size", "B, KB, MB, GB or TB")
}

func parseQuantity(s string, units map[string]float64, bare float64, what, unitList string) (float64, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return 0, fmt.Errorf("invalid %s %q: empty", what, s)
	}
	total := 0.0
	for text != "" {
		numEnd := strings.IndexFunc(text, func(r rune) bool { return !(unicode.IsDigit(r) || r == '.') })
		if numEnd < 0 {
			numEnd = len(text)
		}
		if numEnd == 0 {
			return 0, fmt.Errorf("invalid %s %q: expected a number before %q", what, s, text)
		}
		n, err := strconv.ParseFloat(text[:numEnd], 64)
		if err != nil {
			return 0, fmt.Errorf("invalid %s %q: %q is not a number", what, s, text[:numEnd])
		}
		text = strings.TrimLeft(text[numEnd:], " ")
		unitEnd := strings.IndexFunc(text, func(r rune) bool { return !unicode.IsLetter(r) })
		if unitEnd < 0 {
			unitEnd = len(text)
		}
		unit := strings.ToLower(text[:unitEnd])
		text = strings.TrimLeft(text[unitEnd:], " ")
		factor := bare
		if unit != "" {
			f, ok := units[unit]
			if !ok {
				return 0, fmt.Errorf("invalid %s %q: unknown unit %q (use %s)", what, s, unit, unitList)
			}
			factor = f
		}
		total += n * factor
	}
	if math.IsInf(total, 0) {
		return 0, fmt.Errorf("invalid %s %q: too large", what, s)
	}
	return total, nil
}
