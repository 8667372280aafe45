//go:build windows

package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// These tests register scripts/testsvc as services, so they need the right
// to create services. On Windows that takes an elevated prompt, and every
// Wine prefix has it. The tests take the service binary from
// $TEMPSWEEP_TESTSVC, which scripts/test-windows.sh sets, or else build it
// with the go command.

const testServiceEnv = "TEMPSWEEP_TESTSVC"

var testService struct {
	once sync.Once
	path string
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	// t.TempDir cannot be used: under Wine 8.0 os.RemoveAll fails with
	// "Invalid function" even on an empty directory, so remove the binary
	// and its directory one by one.
	if testService.dir != "" {
		os.Remove(testService.path)
		os.Remove(testService.dir)
	}
	os.Exit(code)
}

// testServiceBinary returns the Windows path of the testsvc executable.
func testServiceBinary(t *testing.T) string {
	t.Helper()
	testService.once.Do(func() {
		if path := os.Getenv(testServiceEnv); path != "" {
			testService.path = path
			return
		}
		goCommand, err := exec.LookPath("go")
		if err != nil {
			testService.err = fmt.Errorf("set %s to a testsvc.exe, or put go on PATH: %w", testServiceEnv, err)
			return
		}
		testService.dir, err = os.MkdirTemp("", "tempsweep-testsvc-")
		if err != nil {
			testService.err = err
			return
		}
		testService.path = filepath.Join(testService.dir, "testsvc.exe")
		build := exec.Command(goCommand, "build", "-o", testService.path, "../scripts/testsvc")
		if output, err := build.CombinedOutput(); err != nil {
			testService.err = fmt.Errorf("build testsvc: %v\n%s", err, output)
		}
	})
	if testService.err != nil {
		t.Skipf("no test service binary: %v", testService.err)
	}
	return testService.path
}

// runSC runs sc.exe and returns its output.
func runSC(args ...string) (string, error) {
	output, err := exec.Command("sc.exe", args...).CombinedOutput()
	if err != nil {
		return string(output), fmt.Errorf("sc %s: %w\n%s", strings.Join(args, " "), err, output)
	}
	return string(output), nil
}

// createTestService registers testsvc under name with the given display name
// and testsvc flags, and deletes the service when the test ends. It skips
// the test when services cannot be created, which is the case without
// elevation.
func createTestService(t *testing.T, name, displayName string, flags ...string) {
	t.Helper()
	binPath := strings.Join(append([]string{`"` + testServiceBinary(t) + `"`}, flags...), " ")
	output, err := runSC("create", name, "binPath=", binPath, "DisplayName=", displayName)
	if err != nil {
		if strings.Contains(output, "1073") {
			t.Fatalf("service %s exists already; delete it with: sc delete %s", name, name)
		}
		t.Skipf("cannot create test service: %v", err)
	}
	t.Cleanup(func() { deleteTestService(t, name) })
}

// deleteTestService stops the service, waits for it to stop so that its
// binary is no longer in use, and deletes it.
func deleteTestService(t *testing.T, name string) {
	t.Helper()
	runSC("stop", name)
	manager := openTestManager(t)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		record, err := manager.Query(context.Background(), name)
		if err != nil || record.State == StateStopped || record.State == StateNotFound {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := runSC("delete", name); err != nil {
		t.Errorf("delete test service: %v", err)
	}
}

func openTestManager(t *testing.T) ServiceManager {
	t.Helper()
	manager, err := OpenServiceManager("")
	if err != nil {
		t.Fatalf("OpenServiceManager(\"\"): %v", err)
	}
	t.Cleanup(func() {
		if err := manager.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return manager
}

// uniqueServiceName returns a service name that no other test run uses.
func uniqueServiceName(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, os.Getpid())
}

// waitForState queries the service until it reaches want, and fails the test
// when it does not within timeout.
func waitForState(t *testing.T, manager ServiceManager, name string, want ServiceState, timeout time.Duration) ServiceRecord {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		record, err := manager.Query(context.Background(), name)
		if err != nil {
			t.Fatalf("Query(%q): %v", name, err)
		}
		if record.State == want {
			return record
		}
		if time.Now().After(deadline) {
			t.Fatalf("Query(%q).State = %q after %v, want %q", name, record.State, timeout, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func localComputerName(t *testing.T) string {
	t.Helper()
	name, err := windows.ComputerName()
	if err != nil {
		t.Fatalf("ComputerName: %v", err)
	}
	return name
}

// runningUnderWine reports whether ntdll.dll is Wine's, which exports
// wine_get_version.
func runningUnderWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

func TestQueryMissingServiceIsNotFound(t *testing.T) {
	manager := openTestManager(t)
	name := uniqueServiceName("TSMISSING")

	record, err := manager.Query(context.Background(), name)
	if err != nil {
		t.Fatalf("Query(%q): %v", name, err)
	}
	if record.State != StateNotFound {
		t.Errorf("State = %q, want %q", record.State, StateNotFound)
	}
	if record.Name != name {
		t.Errorf("Name = %q, want %q", record.Name, name)
	}
	if record.Type != "service" {
		t.Errorf("Type = %q, want %q", record.Type, "service")
	}
	if want := localComputerName(t); record.Host != want {
		t.Errorf("Host = %q, want %q", record.Host, want)
	}
	if record.DisplayName != "" {
		t.Errorf("DisplayName = %q, want empty", record.DisplayName)
	}
}

func TestQueryInvalidNameIsNotFound(t *testing.T) {
	manager := openTestManager(t)
	for _, name := range []string{`no\such\service`, "no/such/service", strings.Repeat("x", 300), "nul\x00name"} {
		record, err := manager.Query(context.Background(), name)
		if err != nil {
			t.Errorf("Query(%q): %v", name, err)
			continue
		}
		if record.State != StateNotFound {
			t.Errorf("Query(%q).State = %q, want %q", name, record.State, StateNotFound)
		}
	}
}

func TestQueryEmptyNameFails(t *testing.T) {
	manager := openTestManager(t)
	if _, err := manager.Query(context.Background(), ""); err == nil {
		t.Error("Query(\"\") returned no error")
	}
}

func TestQueryCancelledContextFails(t *testing.T) {
	manager := openTestManager(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := manager.Query(ctx, "W3SVC")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Query error = %v, want context.Canceled", err)
	}
}

func TestQueryAfterCloseFails(t *testing.T) {
	manager, err := OpenServiceManager("")
	if err != nil {
		t.Fatalf("OpenServiceManager: %v", err)
	}
	if err := manager.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := manager.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := manager.Query(context.Background(), "W3SVC"); err == nil {
		t.Error("Query after Close returned no error")
	}
}

func TestQueryStoppedAndRunning(t *testing.T) {
	name := uniqueServiceName("TSSTATES")
	displayName := "tempsweep test service " + name
	createTestService(t, name, displayName)
	manager := openTestManager(t)

	record := waitForState(t, manager, name, StateStopped, 0)
	if record.Name != name {
		t.Errorf("Name = %q, want %q", record.Name, name)
	}
	if record.DisplayName != displayName {
		t.Errorf("DisplayName = %q, want %q", record.DisplayName, displayName)
	}

	if _, err := runSC("start", name); err != nil {
		t.Fatal(err)
	}
	waitForState(t, manager, name, StateRunning, 30*time.Second)

	if _, err := runSC("stop", name); err != nil {
		t.Fatal(err)
	}
	waitForState(t, manager, name, StateStopped, 30*time.Second)
}

func TestQueryStopPendingIsNotStopped(t *testing.T) {
	name := uniqueServiceName("TSSTOPPENDING")
	createTestService(t, name, "tempsweep test service "+name, "-stop-pending", "8s")
	manager := openTestManager(t)

	if _, err := runSC("start", name); err != nil {
		t.Fatal(err)
	}
	waitForState(t, manager, name, StateRunning, 30*time.Second)
	if _, err := runSC("stop", name); err != nil {
		t.Fatal(err)
	}
	waitForState(t, manager, name, StateStopPending, 5*time.Second)
	waitForState(t, manager, name, StateStopped, 30*time.Second)
}

func TestQueryStartPending(t *testing.T) {
	name := uniqueServiceName("TSSTARTPENDING")
	createTestService(t, name, "tempsweep test service "+name, "-start-pending", "8s")
	manager := openTestManager(t)

	if _, err := runSC("start", name); err != nil {
		t.Fatal(err)
	}
	waitForState(t, manager, name, StateStartPending, 5*time.Second)
	waitForState(t, manager, name, StateRunning, 30*time.Second)
}

func TestQueryPaused(t *testing.T) {
	name := uniqueServiceName("TSPAUSED")
	createTestService(t, name, "tempsweep test service "+name)
	manager := openTestManager(t)
	if _, err := runSC("start", name); err != nil {
		t.Fatal(err)
	}
	waitForState(t, manager, name, StateRunning, 30*time.Second)

	// Wine's sc.exe has no pause or continue command, so send the controls
	// directly.
	control := func(code uint32) {
		t.Helper()
		scm, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT)
		if err != nil {
			t.Fatalf("OpenSCManager: %v", err)
		}
		defer windows.CloseServiceHandle(scm)
		service, err := windows.OpenService(scm, windows.StringToUTF16Ptr(name), windows.SERVICE_PAUSE_CONTINUE)
		if err != nil {
			t.Fatalf("OpenService(%q): %v", name, err)
		}
		defer windows.CloseServiceHandle(service)
		var status windows.SERVICE_STATUS
		if err := windows.ControlService(service, code, &status); err != nil {
			t.Fatalf("ControlService(%q, %d): %v", name, code, err)
		}
	}
	control(windows.SERVICE_CONTROL_PAUSE)
	waitForState(t, manager, name, StatePaused, 30*time.Second)
	control(windows.SERVICE_CONTROL_CONTINUE)
	waitForState(t, manager, name, StateRunning, 30*time.Second)
}

func TestQueryDisplayNameResolvesKeyName(t *testing.T) {
	name := uniqueServiceName("TSDISPLAY")
	displayName := "tempsweep Display Name " + name
	createTestService(t, name, displayName)
	manager := openTestManager(t)

	for _, query := range []string{displayName, strings.ToUpper(displayName), strings.ToLower(name)} {
		record, err := manager.Query(context.Background(), query)
		if err != nil {
			t.Errorf("Query(%q): %v", query, err)
			continue
		}
		if record.State != StateStopped {
			t.Errorf("Query(%q).State = %q, want %q", query, record.State, StateStopped)
		}
		if !strings.EqualFold(record.Name, name) {
			t.Errorf("Query(%q).Name = %q, want %q", query, record.Name, name)
		}
		if record.DisplayName != displayName {
			t.Errorf("Query(%q).DisplayName = %q, want %q", query, record.DisplayName, displayName)
		}
	}
}

// TestQueryExchangeServices checks the two services that guard Outlook Web
// Access temp folders. Under Wine it registers stand-ins named W3SVC and
// WLBS when the prefix lacks them. On Windows it only queries the real ones,
// which may or may not be installed.
func TestQueryExchangeServices(t *testing.T) {
	services := []struct{ name, displayName string }{
		{"W3SVC", "World Wide Web Publishing Service"},
		{"WLBS", "Network Load Balancing"},
	}
	manager := openTestManager(t)
	for _, service := range services {
		record, err := manager.Query(context.Background(), service.name)
		if err != nil {
			t.Fatalf("Query(%q): %v", service.name, err)
		}
		if record.State == StateNotFound && runningUnderWine() {
			createTestService(t, service.name, service.displayName)
			record = waitForState(t, manager, service.name, StateStopped, 0)
			if record.DisplayName != service.displayName {
				t.Errorf("Query(%q).DisplayName = %q, want %q", service.name, record.DisplayName, service.displayName)
			}
			if _, err := runSC("start", service.name); err != nil {
				t.Fatal(err)
			}
			record = waitForState(t, manager, service.name, StateRunning, 30*time.Second)
		}
		t.Logf("%s: %+v", service.name, record)
	}
}

func TestOpenServiceManagerByComputerName(t *testing.T) {
	host := localComputerName(t)
	for _, arg := range []string{host, `\\` + host} {
		manager, err := OpenServiceManager(arg)
		if err != nil {
			t.Fatalf("OpenServiceManager(%q): %v", arg, err)
		}
		record, err := manager.Query(context.Background(), uniqueServiceName("TSMISSING"))
		manager.Close()
		if err != nil {
			t.Fatalf("Query through %q: %v", arg, err)
		}
		if record.Host != host {
			t.Errorf("Host = %q, want %q", record.Host, host)
		}
		if record.State != StateNotFound {
			t.Errorf("State = %q, want %q", record.State, StateNotFound)
		}
	}
}
