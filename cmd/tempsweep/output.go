package main

// Output rules, for every command:
//   - stdout carries data only: NDJSON (one compact object per line, UTF-8
//     without BOM, "\n" after each) unless stdout is a terminal or --output
//     table is given, in which case a table meant for people is written.
//   - --ascii escapes non-ASCII text; it is on by default on Windows when
//     stdout is not a console, because PowerShell decodes a native command's
//     output with the console code page.
//   - stderr is for errors and warnings, each one line starting with
//     "tempsweep: COMMAND: ". Progress and the summary go there only when
//     stderr is a terminal or -v is given, so a scheduled job's stderr stays
//     empty on success.
//   - When the reader of stdout goes away, the command stops quietly.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/tempsweep/tempsweep/jsonio"
)

// recordSink writes a command's output records.
type recordSink interface {
	writeRaw(raw []byte) error
	// writeCompact writes raw, which has no whitespace outside its strings,
	// without looking for whitespace to drop.
	writeCompact(raw []byte) error
	writeValue(v any) error
	flush() error
}

func (a *app) newSink() recordSink {
	table := a.opts.output == "table" || (a.opts.output == "" && a.stdoutTerminal)
	if table {
		return &tableSink{w: a.stdout}
	}
	ascii := a.opts.ascii
	if !a.opts.asciiSet {
		ascii = runtime.GOOS == "windows" && !a.stdoutConsole
	}
	return &ndjsonSink{w: jsonio.NewWriter(a.stdout, jsonio.WriterOptions{ASCII: ascii})}
}

type ndjsonSink struct{ w *jsonio.Writer }

func (s *ndjsonSink) writeRaw(raw []byte) error     { return s.w.WriteRaw(raw) }
func (s *ndjsonSink) writeCompact(raw []byte) error { return s.w.WriteCompact(raw) }
func (s *ndjsonSink) writeValue(v any) error        { return s.w.WriteValue(v) }
func (s *ndjsonSink) flush() error                  { return s.w.Flush() }

// tableSink writes file and service records as aligned rows, and any other
// value as its JSON text.
type tableSink struct {
	w          io.Writer
	header     string
	buf        bytes.Buffer
	fileWidths bool
}

func (s *tableSink) writeRaw(raw []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	return s.writeValue(v)
}

func (s *tableSink) writeValue(v any) error {
	rec, ok := toMap(v)
	if !ok {
		if _, isScalar := v.(string); isScalar || v == nil {
			return s.writeJSON(v)
		}
		// Records built in Go, such as list's, become maps through their
		// JSON form, so that every record prints the same way.
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&m) != nil || m == nil {
			return s.writeJSON(v)
		}
		rec = m
	}
	switch rec["type"] {
	case "service":
		s.row("NAME                 STATE            HOST             DISPLAY NAME",
			fmt.Sprintf("%-20s %-16s %-16s %s", str(rec["name"]), str(rec["state"]), str(rec["host"]), str(rec["displayName"])))
	default:
		path := str(rec["path"])
		if path == "" {
			path = str(rec["FullName"])
		}
		if path == "" {
			return s.writeJSON(v)
		}
		reason := str(rec["reason"])
		if reason == "" {
			reason = "-"
		}
		action := str(rec["action"])
		if action == "" {
			action = "-"
		}
		s.row("AGE       SIZE       ACTION        REASON           PATH",
			fmt.Sprintf("%-9s %-10s %-13s %-16s %s", formatAge(rec["age"]), formatSize(rec["size"]), action, reason, path))
	}
	_, err := s.w.Write(s.buf.Bytes())
	s.buf.Reset()
	return err
}

func (s *tableSink) row(header, line string) {
	if header != s.header {
		s.header = header
		s.buf.WriteString(header + "\n")
	}
	s.buf.WriteString(line + "\n")
}

func (s *tableSink) writeJSON(v any) error {
	s.header = ""
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = s.w.Write(append(b, '\n'))
	return err
}

func (s *tableSink) writeCompact(raw []byte) error { return s.writeRaw(raw) }

func (s *tableSink) flush() error { return nil }

func toMap(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

// str formats a field for the table. Control and format characters, which
// a file name may contain, are shown as "?" so that they cannot move the
// cursor, start a fake row or reorder text (U+202E) on the terminal.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.Map(replaceControl, x)
	}
	return strings.Map(replaceControl, fmt.Sprint(v))
}

func replaceControl(r rune) rune {
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
		return '?'
	}
	return r
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			f, ferr := x.Float64()
			return int64(f), ferr == nil
		}
		return n, true
	case float64:
		return int64(x), true
	case int:
		return int64(x), true
	}
	return 0, false
}

// formatAge writes seconds as the two largest units, such as "3d4h".
func formatAge(v any) string {
	secs, ok := toInt(v)
	if !ok {
		return "-"
	}
	if secs < 0 {
		return "future"
	}
	d := time.Duration(secs) * time.Second
	days := int64(d / (24 * time.Hour))
	hours := int64(d/time.Hour) % 24
	minutes := int64(d/time.Minute) % 60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd%dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh%dm", hours, minutes)
	case minutes > 0:
		return fmt.Sprintf("%dm%ds", minutes, secs%60)
	}
	return fmt.Sprintf("%ds", secs)
}

func formatSize(v any) string {
	n, ok := toInt(v)
	if !ok {
		return "-"
	}
	return formatBytes(n)
}

// formatBytes writes a size in powers of 1024, as Windows Explorer does.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGTP"[exp])
}

// reporter counts outcomes and shows progress and a summary on stderr.
type reporter struct {
	w        io.Writer
	progress bool
	summary  bool
	noun     string
	total    int
	counts   map[string]int
	bytes    map[string]int64
	order    []string
	lastTick time.Time
	shown    bool
}

func (a *app) newReporter(noun string) *reporter {
	return &reporter{
		w:        a.stderr,
		progress: a.stderrTerminal,
		summary:  a.stderrTerminal || a.opts.verbose,
		noun:     noun,
		counts:   make(map[string]int),
		bytes:    make(map[string]int64),
		lastTick: time.Now(),
	}
}

// add counts one record under key, with its size in bytes.
func (r *reporter) add(key string, size int64) {
	r.total++
	if _, seen := r.counts[key]; !seen {
		r.order = append(r.order, key)
	}
	r.counts[key]++
	r.bytes[key] += size
	if r.progress && r.total%256 == 0 && time.Since(r.lastTick) > 250*time.Millisecond {
		r.lastTick = time.Now()
		fmt.Fprintf(r.w, "\r%d %s: %s", r.total, r.noun, r.countsLine())
		r.shown = true
	}
}

// warn prints a message on its own line, clearing any progress line first.
func (r *reporter) warn(format string, args ...any) {
	r.clear()
	fmt.Fprintf(r.w, format+"\n", args...)
}

func (r *reporter) clear() {
	if r.shown {
		fmt.Fprint(r.w, "\r\033[K")
		r.shown = false
	}
}

func (r *reporter) countsLine() string {
	keys := append([]string(nil), r.order...)
	sort.SliceStable(keys, func(i, j int) bool { return r.counts[keys[i]] > r.counts[keys[j]] })
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s (%s)", r.counts[k], k, formatBytes(r.bytes[k])))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// finish clears the progress line and prints the summary if wanted.
func (r *reporter) finish(command string) {
	r.clear()
	if r.summary {
		fmt.Fprintf(r.w, "tempsweep: %s: %d %s: %s\n", command, r.total, r.noun, r.countsLine())
	}
}
