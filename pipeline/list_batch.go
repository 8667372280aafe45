package pipeline

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// statBatchSize is how many entries readBatched collects before it stats
// them: enough to keep every core busy for a while, few enough that the
// records of one batch take little memory.
const statBatchSize = 512

// batchStatter is a dirHandle whose stat may be called from several
// goroutines at once, outside readEntries' callback.
type batchStatter interface {
	dirHandle
	concurrentStat()
}

// pendingEntry is an entry waiting for its stat, and then for its record.
type pendingEntry struct {
	entry  dirEntry
	stat   fileStat
	err    error
	record *FileRecord
}

// readBatched emits the selected files of dir, as readOneByOne does, but
// stats the entries and builds their records in batches on other
// goroutines, one per core, while this one reads the next entries and
// emits the previous batch. Records, warnings and subdirectories come out in
// the order of the entries.
func (w *walk) readBatched(dir dirHandle, batch batchStatter, dirPath string) ([]string, error) {
	r := batchReader{walk: w, dir: batch, dirPath: dirPath}
	r.pending = make([]pendingEntry, 0, statBatchSize)
	err := dir.readEntries(func(e dirEntry) error {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if !w.needsStat(e, &r.subdirs) {
			return nil
		}
		r.pending = append(r.pending, pendingEntry{entry: e})
		if len(r.pending) < statBatchSize {
			return nil
		}
		return r.rotate()
	})

	var readErr *readDirError
	if err != nil && !errors.As(err, &readErr) {
		r.statted.Wait()
		return nil, err
	}
	// The entries read before any failure to read the rest of the
	// directory are emitted, as readOneByOne emits them.
	if rotateErr := r.rotate(); rotateErr != nil {
		r.statted.Wait()
		return nil, rotateErr
	}
	r.statted.Wait()
	if emitErr := r.emit(r.inFlight); emitErr != nil {
		return nil, emitErr
	}
	return r.subdirs, err
}

// batchReader is the state of readBatched. Three batches take turns:
// pending is being filled with entries, inFlight is being stat'ed, and the
// batch before it is emitted meanwhile.
type batchReader struct {
	walk    *walk
	dir     batchStatter
	dirPath string
	subdirs []string

	pending, inFlight, spare []pendingEntry
	statted                  sync.WaitGroup
}

// rotate waits for the batch in flight, starts the stat of the pending
// batch and emits the finished one.
func (r *batchReader) rotate() error {
	var finished []pendingEntry
	if r.inFlight != nil {
		r.statted.Wait()
		finished = r.inFlight
	}
	r.inFlight = r.pending
	r.walk.startStat(r.dir, r.dirPath, r.inFlight, &r.statted)
	r.pending = r.spare
	if r.pending == nil {
		r.pending = make([]pendingEntry, 0, statBatchSize)
	}

	err := r.emit(finished)
	clear(finished)
	r.spare = finished[:0]
	return err
}

// emit passes on the stat'ed entries of a batch: records to the walk's
// emit, failures to its warn, and subdirectories of unknown type to
// r.subdirs.
func (r *batchReader) emit(batch []pendingEntry) error {
	w := r.walk
	for k := range batch {
		p := &batch[k]
		if p.err != nil {
			w.warn(fmt.Errorf("stat %s: %w", joinPath(r.dirPath, p.entry.name), p.err))
			continue
		}
		switch {
		case p.stat.link:
		case p.stat.dir:
			if w.lister.opts.Recursive && !p.entry.typeKnown {
				r.subdirs = append(r.subdirs, p.entry.name)
			}
		case p.record != nil:
			if err := w.emit(p.record); err != nil {
				return err
			}
		}
	}
	return nil
}

// startStat stats the pending entries and builds the records of the
// selected regular files on one goroutine per core, each taking a
// consecutive part, and adds them to wg.
func (w *walk) startStat(dir batchStatter, dirPath string, pending []pendingEntry, wg *sync.WaitGroup) {
	workers := min(runtime.GOMAXPROCS(0), len(pending)/16+1)
	size := (len(pending) + workers - 1) / workers
	for start := 0; start < len(pending); start += size {
		part := pending[start:min(start+size, len(pending))]
		wg.Go(func() { w.statPart(dir, dirPath, part) })
	}
}

// statPart stats entries and builds the records of the selected regular
// files among them.
func (w *walk) statPart(dir batchStatter, dirPath string, part []pendingEntry) {
	// The records' JSON shares one buffer per part, so that encoding
	// allocates once per part rather than once per record.
	var encoded []byte
	for k := range part {
		p := &part[k]
		p.stat, p.err = dir.stat(p.entry.name)
		if p.err != nil || !p.stat.regular || p.stat.link || !w.lister.selects(p.entry.name) {
			continue
		}
		p.record = w.record(dirPath, p.entry.name, p.stat)
		if w.lister.opts.EncodeJSON {
			if cap(encoded)-len(encoded) < 1024 {
				encoded = make([]byte, 0, (len(part)-k)*512+1024)
			}
			start := len(encoded)
			encoded = p.record.AppendJSON(encoded)
			p.record.JSON = encoded[start:len(encoded):len(encoded)]
		}
	}
}
