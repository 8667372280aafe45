package pipeline

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestAppendTimeMatchesFormat(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	times := []time.Time{
		{},
		time.Unix(0, 0),
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 5, 1, 10, 11, 12, 100000000, time.FixedZone("CEST", 2*3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 1, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1600, 2, 29, 12, 0, 0, 0, time.UTC),
		time.Date(1900, 2, 28, 23, 59, 59, 0, time.UTC),
		time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 900000000, time.UTC),
		time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC),
	}
	const firstSecond, lastSecond = -62135596800, 253402300799 // years 1 and 9999
	for k := range 20000 {
		sec := rng.Int64N(400 * 365 * 86400)
		if k%2 == 0 {
			sec = firstSecond + rng.Int64N(lastSecond-firstSecond+1)
		}
		nanos := rng.Int64N(1e9)
		if rng.IntN(4) == 0 {
			nanos = nanos / 1000 * 1000
		}
		times = append(times, time.Unix(sec, nanos))
	}
	for _, tm := range times {
		want := tm.UTC().Format(time.RFC3339Nano)
		if got := formatTime(tm); got != want {
			t.Errorf("formatTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

func TestRecordTimesShareEqualText(t *testing.T) {
	mod := time.Date(2024, 5, 1, 10, 11, 12, 5, time.UTC)
	listed := mod.Add(time.Hour)
	st := fileStat{modTime: mod, accessTime: mod, changeTime: listed, birthTime: time.Time{}}
	var rec FileRecord
	setRecordTimes(&rec, st, listed)
	if rec.ModTime != "2024-05-01T10:11:12.000000005Z" {
		t.Errorf("ModTime = %q", rec.ModTime)
	}
	if rec.ListedAt != "2024-05-01T11:11:12.000000005Z" {
		t.Errorf("ListedAt = %q", rec.ListedAt)
	}
	if rec.AccessTime != rec.ModTime {
		t.Errorf("AccessTime = %q, want the modification time %q", rec.AccessTime, rec.ModTime)
	}
	if rec.ChangeTime != rec.ListedAt {
		t.Errorf("ChangeTime = %q, want %q", rec.ChangeTime, rec.ListedAt)
	}
	if rec.BirthTime != "" {
		t.Errorf("BirthTime = %q, want it left out", rec.BirthTime)
	}
}

func TestAgeSeconds(t *testing.T) {
	listed := time.Date(2026, 12, 4, 10, 0, 0, 200_000_000, time.UTC)
	tests := []struct {
		name    string
		modTime time.Time
		want    int64
	}{
		{"same instant", listed, 0},
		{"4.7 s before", listed.Add(-4700 * time.Millisecond), 4},
		{"5 s before", listed.Add(-5 * time.Second), 5},
		{"0.3 s before", listed.Add(-300 * time.Millisecond), 0},
		{"0.3 s after", listed.Add(300 * time.Millisecond), 0},
		{"4.7 s after", listed.Add(4700 * time.Millisecond), -4},
		{"a day before", listed.Add(-24 * time.Hour), 86400},
		{"year 2400", time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC), -11773087199},
		{"year 1", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), 63931975200},
	}
	for _, tt := range tests {
		if got := ageSeconds(listed, tt.modTime); got != tt.want {
			t.Errorf("%s: ageSeconds = %d, want %d", tt.name, got, tt.want)
		}
	}
	// Within the range of a time.Duration the result is the division's.
	rng := rand.New(rand.NewPCG(7, 8))
	for range 10000 {
		mod := listed.Add(-time.Duration(rng.Int64N(int64(200*365*24*time.Hour))) + 100*365*24*time.Hour)
		want := int64(listed.Sub(mod) / time.Second)
		if got := ageSeconds(listed, mod); got != want {
			t.Fatalf("ageSeconds(%v, %v) = %d, want %d", listed, mod, got, want)
		}
	}
}
