package pipeline

import (
	"time"
)

// formatTime formats t as RFC 3339 in UTC with as many fraction digits as
// the time carries, so that delete can compare at the same precision.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
