package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// systemdManager queries systemd about units through systemctl, which exits 0
// for units that do not exist, so LoadState decides whether a unit is known.
type systemdManager struct {
	systemctl string
	host      string
}

func openServiceManager(host string) (ServiceManager, error) {
	path, err := exec.LookPath("systemctl")
	if err != nil {
		return nil, fmt.Errorf("%w: systemctl not found: %v", ErrNoServiceManager, err)
	}
	return &systemdManager{systemctl: path, host: host}, nil
}

func (m *systemdManager) Close() error { return nil }

func (m *systemdManager) Query(ctx context.Context, name string) (ServiceRecord, error) {
	// systemctl may expand a pattern to several units and report only one
	// of them, so a pattern could open a gate on the wrong unit.
	if name == "" || strings.ContainsAny(name, "*?[") {
		return ServiceRecord{}, fmt.Errorf("query %q: a service name must be one unit name, not empty or a pattern", name)
	}
	args := []string{"show", "--no-pager", "--property=Id,LoadState,ActiveState,Description"}
	if m.host != "" {
		args = append(args, "--host="+m.host)
	}
	args = append(args, "--", name)
	cmd := exec.CommandContext(ctx, m.systemctl, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return ServiceRecord{}, fmt.Errorf("%w: systemctl show %s: %s", ErrNoServiceManager, name, firstLine(msg))
	}
	props := parseSystemdProperties(out)
	rec := ServiceRecord{Type: "service", Name: name, DisplayName: props["Description"], Host: m.recordHost()}
	if id := props["Id"]; id != "" {
		rec.Name = id
	}
	state, err := systemdState(props["LoadState"], props["ActiveState"])
	if err != nil {
		return ServiceRecord{}, fmt.Errorf("query %s: %w", name, err)
	}
	rec.State = state
	return rec, nil
}

func (m *systemdManager) recordHost() string {
	if m.host != "" {
		return m.host
	}
	host, _ := os.Hostname()
	return host
}

func parseSystemdProperties(out []byte) map[string]string {
	props := make(map[string]string)
	for _, line := range strings.Split(string(out), "\n") {
		key, value, ok := strings.Cut(strings.TrimRight(line, "\r"), "=")
		if ok {
			props[key] = value
		}
	}
	return props
}

// systemdState maps a unit's LoadState and ActiveState to a ServiceState. A
// state it does not recognise is an error, so that a gate fails closed.
func systemdState(loadState, activeState string) (ServiceState, error) {
	switch loadState {
	case "not-found":
		return StateNotFound, nil
	case "":
		return "", errors.New("systemctl reported no LoadState")
	}
	switch activeState {
	case "active", "reloading", "refreshing":
		return StateRunning, nil
	case "inactive", "failed", "dead":
		return StateStopped, nil
	case "activating":
		return StateStartPending, nil
	case "deactivating":
		return StateStopPending, nil
	}
	return "", fmt.Errorf("unrecognised ActiveState %q", activeState)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
