package pipeline

import (
	"context"
	"testing"
	"time"
)

// These tests run delete --require-stopped against the real Service Control
// Manager, with a test service that they start and stop.

func TestDeleteStopsWhenServiceStartsMidRun(t *testing.T) {
	name := uniqueServiceName("TSDELMID")
	createTestService(t, name, "tempsweep delete test "+name)
	manager := openTestManager(t)
	waitForState(t, manager, name, StateStopped, 10*time.Second)
	root := newTestRoot(t)
	for _, file := range []string{"a.mmp", "b.mmp", "c.mmp"} {
		createFile(t, root+`\`+file, 10)
	}
	records := listRoot(t, root, ListOptions{})
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}, RequireStopped: []string{name},
		Services: manager, RecheckInterval: time.Nanosecond})
	ctx := context.Background()

	checkOutcome(t, d.Process(ctx, recordObject(t, records[root+`\a.mmp`])), ActionDeleted, "")
	if _, err := runSC("start", name); err != nil {
		t.Fatal(err)
	}
	waitForState(t, manager, name, StateRunning, 30*time.Second)
	checkOutcome(t, d.Process(ctx, recordObject(t, records[root+`\b.mmp`])), ActionSkipped, ReasonServiceRunning)
	if _, err := runSC("stop", name); err != nil {
		t.Fatal(err)
	}
	waitForState(t, manager, name, StateStopped, 30*time.Second)
	checkOutcome(t, d.Process(ctx, recordObject(t, records[root+`\c.mmp`])), ActionSkipped, ReasonServiceRunning)

	if d.GateClosedEarly() {
		t.Error("GateClosedEarly = true after a deletion")
	}
	if fileExists(root + `\a.mmp`) {
		t.Error("a.mmp was not deleted while the service was stopped")
	}
	if !fileExists(root+`\b.mmp`) || !fileExists(root+`\c.mmp`) {
		t.Error("files were deleted after the service started")
	}
}

func TestDeleteRejectsWhileServiceRuns(t *testing.T) {
	name := uniqueServiceName("TSDELRUN")
	createTestService(t, name, "tempsweep delete test "+name)
	manager := openTestManager(t)
	if _, err := runSC("start", name); err != nil {
		t.Fatal(err)
	}
	waitForState(t, manager, name, StateRunning, 30*time.Second)
	root := newTestRoot(t)
	createFile(t, root+`\a.mmp`, 10)
	records := listRoot(t, root, ListOptions{})
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root}, RequireStopped: []string{name}, Services: manager})

	checkOutcome(t, d.Process(context.Background(), recordObject(t, records[root+`\a.mmp`])), ActionSkipped, ReasonServiceRunning)
	if !d.GateClosedEarly() {
		t.Error("GateClosedEarly = false with the service running from the start")
	}
	if !fileExists(root + `\a.mmp`) {
		t.Error("file deleted while the service runs")
	}
}

func TestDeleteRejectsMissingService(t *testing.T) {
	root := newTestRoot(t)
	createFile(t, root+`\a.mmp`, 10)
	records := listRoot(t, root, ListOptions{})
	d := newWindowsDeleter(t, DeleteOptions{Roots: []string{root},
		RequireStopped: []string{uniqueServiceName("TSNOSUCH")}, Services: openTestManager(t)})
	checkOutcome(t, d.Process(context.Background(), recordObject(t, records[root+`\a.mmp`])), ActionSkipped, ReasonServiceRunning)
	if !fileExists(root + `\a.mmp`) {
		t.Error("file deleted although the required service does not exist")
	}
}
