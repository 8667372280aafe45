package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fakeSystemctl puts a systemctl on PATH that prints output for every
// "show" and exits with code, standing in for systemd, which does not run
// in containers.
func fakeSystemctl(t *testing.T, output string, code int) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\nprintf '%s' '" + output + "'\nexit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
}

func TestSystemdStates(t *testing.T) {
	cases := []struct {
		load, active string
		want         ServiceState
	}{
		{"loaded", "active", StateRunning},
		{"loaded", "reloading", StateRunning},
		{"loaded", "inactive", StateStopped},
		{"loaded", "failed", StateStopped},
		{"loaded", "activating", StateStartPending},
		{"loaded", "deactivating", StateStopPending},
		{"not-found", "inactive", StateNotFound},
		{"masked", "inactive", StateStopped},
	}
	for _, c := range cases {
		fakeSystemctl(t, "Id=web.service\nLoadState="+c.load+"\nActiveState="+c.active+"\nDescription=Web server\n", 0)
		m, err := OpenServiceManager("")
		if err != nil {
			t.Fatal(err)
		}
		rec, err := m.Query(context.Background(), "web")
		if err != nil {
			t.Errorf("%s/%s: %v", c.load, c.active, err)
			continue
		}
		if rec.State != c.want {
			t.Errorf("%s/%s: state = %s, want %s", c.load, c.active, rec.State, c.want)
		}
		if rec.Name != "web.service" || rec.DisplayName != "Web server" || rec.Type != "service" {
			t.Errorf("record = %+v", rec)
		}
	}
}

func TestSystemdUnknownStateFails(t *testing.T) {
	fakeSystemctl(t, "Id=web.service\nLoadState=loaded\nActiveState=confused\n", 0)
	m, _ := OpenServiceManager("")
	if _, err := m.Query(context.Background(), "web"); err == nil {
		t.Error("unknown ActiveState gave no error")
	}
}

func TestSystemdNotRunning(t *testing.T) {
	fakeSystemctl(t, "", 1)
	m, _ := OpenServiceManager("")
	_, err := m.Query(context.Background(), "web")
	if !errors.Is(err, ErrNoServiceManager) {
		t.Errorf("error = %v, want ErrNoServiceManager", err)
	}
}

func TestSystemctlMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := OpenServiceManager(""); !errors.Is(err, ErrNoServiceManager) {
		t.Errorf("error = %v, want ErrNoServiceManager", err)
	}
}

func TestRequireStateGate(t *testing.T) {
	services := &scriptedServices{states: map[string]ServiceState{
		"W3SVC": StateStopped, "WLBS": StateStopPending,
	}}
	ctx := context.Background()
	if err := RequireState(ctx, services, []string{"W3SVC"}, StateStopped, false); err != nil {
		t.Errorf("stopped service: %v", err)
	}
	if err := RequireState(ctx, services, []string{"W3SVC", "WLBS"}, StateStopped, false); err == nil {
		t.Error("stop-pending counted as stopped")
	}
	if err := RequireState(ctx, services, []string{"W3SVX"}, StateStopped, false); err == nil {
		t.Error("missing service opened the gate")
	}
	if err := RequireState(ctx, services, []string{"W3SVX"}, StateStopped, true); err != nil {
		t.Errorf("missing service with missingOK: %v", err)
	}
	services.err = errors.New("RPC server unavailable")
	if err := RequireState(ctx, services, []string{"W3SVC"}, StateStopped, true); err == nil {
		t.Error("failed query opened the gate")
	}
}

func TestSystemdRejectsPatterns(t *testing.T) {
	fakeSystemctl(t, "Id=web.service\nLoadState=loaded\nActiveState=inactive\n", 0)
	m, _ := OpenServiceManager("")
	for _, name := range []string{"web*", "w?b", "[a]web", ""} {
		if _, err := m.Query(context.Background(), name); err == nil {
			t.Errorf("Query(%q) gave no error", name)
		}
	}
}
