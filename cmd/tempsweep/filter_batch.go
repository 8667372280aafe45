package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/tempsweep/tempsweep/jsonio"
	"github.com/tempsweep/tempsweep/pipeline"
)

// The filter command runs the jq program on several cores. One goroutine
// reads the input and cuts it into batches, workers decode, filter and
// encode whole batches, and the calling goroutine writes the results and
// messages of the batches in input order. The output, the messages on
// stderr and the counts are those of filtering the records one by one.
//
// A batch holds up to filterBatchRecords values or filterBatchBytes of
// input, whichever limit comes first.
const (
	filterBatchRecords = 256
	filterBatchBytes   = 256 << 10
)

// filterItem is one input value of a batch and what the program made of it.
type filterItem struct {
	line int
	// inputErr is set for a value that could not be read; nothing else is.
	inputErr *jsonio.InputError
	// rawStart and rawEnd locate the value's text in the batch's input.
	rawStart, rawEnd int
	// resultStart and resultEnd locate the item's results in the batch's
	// results.
	resultStart, resultEnd int
	passed                 int
	// decodeErr is a value that the reader passed but that could not be
	// decoded; err is the program's error.
	decodeErr, err error
}

// filterResult is one result: a span of the batch's input for a record
// that the program returned unchanged, or else of the batch's output.
type filterResult struct {
	unchanged bool
	// compact is set when the text has no whitespace outside its strings,
	// as the output of AppendJQValue and most NDJSON input have none.
	compact    bool
	start, end int
}

type filterBatch struct {
	input   []byte
	items   []filterItem
	results []filterResult
	output  []byte
	// err ends the run after the batch's items: a failure to read the
	// input, or an interruption.
	err  error
	done chan struct{}
}

func (b *filterBatch) reset() {
	b.input = b.input[:0]
	b.items = b.items[:0]
	b.results = b.results[:0]
	b.output = b.output[:0]
	b.err = nil
	b.done = make(chan struct{})
}

// filterRecords reads the values of in, runs filter on each and writes the
// results to sink. It returns the number of values that could not be read
// and the number on which the program failed, which are reported on stderr
// with their line numbers, and an error that ended the run early.
func (a *app) filterRecords(in io.Reader, filter *pipeline.Filter, sink recordSink, rep *reporter) (invalid, failed int, err error) {
	workers := runtime.GOMAXPROCS(0)
	depth := 2*workers + 2
	ordered := make(chan *filterBatch, depth)
	work := make(chan *filterBatch, depth)
	free := make(chan *filterBatch, depth+2)
	stop := make(chan struct{})
	defer close(stop)

	go a.readBatches(in, ordered, work, free, stop)
	for range workers {
		go func() {
			w := newFilterWorker(a, filter)
			for b := range work {
				w.run(b)
				close(b.done)
			}
		}()
	}

	hinted := false
	for {
		var b *filterBatch
		var more bool
		// Ctrl-C ends the wait for input at once.
		select {
		case b, more = <-ordered:
		case <-a.ctx.Done():
			return invalid, failed, a.interrupted()
		}
		if !more {
			break
		}
		<-b.done
		for k := range b.items {
			// After Ctrl-C the workers' results are cut short, so the
			// run ends here, as it would before reading the next record.
			if err := a.interrupted(); err != nil {
				return invalid, failed, err
			}
			it := &b.items[k]
			if it.inputErr != nil {
				invalid++
				a.reportInputError(rep, it.inputErr, &hinted)
				continue
			}
			if it.decodeErr != nil {
				invalid++
				rep.warn("tempsweep: filter: line %d: %v", it.line, it.decodeErr)
				rep.add("dropped", 0)
				continue
			}
			err := it.err
			if werr := writeResults(sink, b, it); werr != nil {
				// A failed write ends the run; it is not the record's fault.
				return invalid, failed, werr
			}
			var exit *exitError
			if err != nil && !errors.As(err, &exit) && !jsonio.IsClosedPipe(err) && a.ctx.Err() == nil {
				failed++
				rep.warn("tempsweep: filter: line %d: %v", it.line, err)
				err = nil
			}
			if it.passed > 0 {
				rep.add("passed", 0)
			} else {
				rep.add("dropped", 0)
			}
			if err != nil {
				return invalid, failed, err
			}
		}
		if b.err != nil {
			return invalid, failed, b.err
		}
		// Each batch's results go out at once, so the next command sees
		// them while the input pauses.
		if err := sink.flush(); err != nil {
			return invalid, failed, err
		}
		select {
		case free <- b:
		default:
		}
	}
	return invalid, failed, nil
}

// writeResults writes an item's results until a write fails.
func writeResults(sink recordSink, b *filterBatch, it *filterItem) error {
	for _, r := range b.results[it.resultStart:it.resultEnd] {
		source := b.output
		if r.unchanged {
			source = b.input
		}
		text := source[r.start:r.end]
		write := sink.writeRaw
		if r.compact {
			write = sink.writeCompact
		}
		if err := write(text); err != nil {
			return err
		}
	}
	return nil
}

// readBatches reads the input into batches and sends each to both the
// workers and, in input order, to the writer. A batch is sent when it is
// full and also before every read that may wait for the writer of the
// input, so that records reach the output while the input pauses. It closes
// both channels after the last batch, or when stop is closed.
func (a *app) readBatches(in io.Reader, ordered, work, free chan *filterBatch, stop chan struct{}) {
	defer close(work)
	defer close(ordered)
	var cur *filterBatch
	stopped := false
	next := func() {
		select {
		case cur = <-free:
		default:
			cur = &filterBatch{}
		}
		cur.reset()
	}
	send := func() {
		select {
		case ordered <- cur:
		case <-stop:
			stopped = true
			return
		}
		select {
		case work <- cur:
		case <-stop:
			stopped = true
			return
		}
		next()
	}
	next()
	source := &flushingReader{r: in, beforeRead: func() {
		if !stopped && len(cur.items) > 0 {
			send()
		}
	}}
	reader := jsonio.NewReader(source, jsonio.ReaderOptions{UnwrapArrays: true, Encoding: a.inputEncoding})
	for !stopped {
		done := a.fillBatch(reader, func() *filterBatch { return cur })
		if stopped {
			return
		}
		send()
		if done {
			return
		}
	}
}

// fillBatch reads values into the current batch until it is full, and
// reports whether the input has ended or the run must stop. The current
// batch may change during a read, when readBatches sends what it has.
func (a *app) fillBatch(reader *jsonio.Reader, current func() *filterBatch) bool {
	for {
		b := current()
		if len(b.items) >= filterBatchRecords || len(b.input) >= filterBatchBytes {
			return false
		}
		if err := a.interrupted(); err != nil {
			b.err = err
			return true
		}
		v, err := reader.Next()
		b = current()
		if err == io.EOF {
			return true
		}
		var inputErr *jsonio.InputError
		if errors.As(err, &inputErr) {
			b.items = append(b.items, filterItem{line: inputErr.Line, inputErr: inputErr})
			continue
		}
		if err != nil {
			b.err = fatalError(fmt.Errorf("read input: %w", err))
			return true
		}
		start := len(b.input)
		b.input = append(b.input, v.Raw...)
		b.items = append(b.items, filterItem{line: v.Line, rawStart: start, rawEnd: len(b.input)})
	}
}

// filterWorker decodes, filters and encodes the records of whole batches.
type filterWorker struct {
	app     *app
	filter  *pipeline.Filter
	decoder pipeline.JQDecoder
}

func newFilterWorker(a *app, filter *pipeline.Filter) *filterWorker {
	return &filterWorker{app: a, filter: filter}
}

func (w *filterWorker) run(b *filterBatch) {
	// One string for the whole batch lets the decoded strings share it
	// instead of being allocated one by one.
	text := string(b.input)
	for k := range b.items {
		it := &b.items[k]
		if it.inputErr != nil {
			continue
		}
		it.resultStart = len(b.results)
		input, err := w.decoder.Decode(text[it.rawStart:it.rawEnd])
		if err != nil {
			it.decodeErr = err
			it.resultEnd = it.resultStart
			continue
		}
		compact := w.decoder.Compact()
		it.err = w.filter.Run(w.app.ctx, input, func(result any, unchanged bool) error {
			it.passed++
			if unchanged {
				b.results = append(b.results, filterResult{unchanged: true, compact: compact, start: it.rawStart, end: it.rawEnd})
				return nil
			}
			start := len(b.output)
			output, err := pipeline.AppendJQValue(b.output, result)
			if err != nil {
				b.output = b.output[:start]
				return fmt.Errorf("encode JSON: %w", err)
			}
			b.output = output
			b.results = append(b.results, filterResult{compact: true, start: start, end: len(b.output)})
			return nil
		})
		it.resultEnd = len(b.results)
	}
}
