//go:build windows

package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// x/sys/windows has no wrappers for these two. Both take the manager handle
// that openServiceManager opens with SC_MANAGER_CONNECT access only.
var (
	advapi32                   = windows.NewLazySystemDLL("advapi32.dll")
	procGetServiceKeyNameW     = advapi32.NewProc("GetServiceKeyNameW")
	procGetServiceDisplayNameW = advapi32.NewProc("GetServiceDisplayNameW")
)

// scmServiceManager queries the Windows Service Control Manager. It opens
// the manager with SC_MANAGER_CONNECT and each service with
// SERVICE_QUERY_STATUS. The default security descriptors of the manager and
// of most services grant both to interactive users, so local queries usually
// need no elevation. Query may be called from several goroutines at once,
// but not concurrently with Close.
type scmServiceManager struct {
	handle windows.Handle
	host   string // the ServiceRecord.Host value
}

// openServiceManager connects to the Service Control Manager of host, given
// as "NAME" or `\\NAME`, or to the local one when host is empty.
func openServiceManager(host string) (ServiceManager, error) {
	host = strings.TrimPrefix(host, `\\`)
	var machine *uint16
	if host == "" {
		name, err := windows.ComputerName()
		if err != nil {
			return nil, fmt.Errorf("get computer name: %w", err)
		}
		host = name
	} else {
		var err error
		machine, err = windows.UTF16PtrFromString(`\\` + host)
		if err != nil {
			return nil, fmt.Errorf("connect to service control manager on %q: %w", host, err)
		}
	}

	// NOTE: for a remote host this call can block for as long as the RPC
	// connection attempt takes; it cannot be cancelled.
	handle, err := windows.OpenSCManager(machine, nil, windows.SC_MANAGER_CONNECT)
	if err != nil {
		return nil, fmt.Errorf("connect to service control manager on %s: %w", host, err)
	}
	return &scmServiceManager{handle: handle, host: host}, nil
}

// Query returns the state of the service whose key name or display name is
// name, as Windows compares them: without regard to case. The record's Name
// is the key name: name itself when it is one, the resolved key name when
// name is a display name, or name unchanged when no service matches. The
// context is checked once before the query starts.
func (m *scmServiceManager) Query(ctx context.Context, name string) (ServiceRecord, error) {
	record := ServiceRecord{Type: "service", Name: name, Host: m.host}
	if err := ctx.Err(); err != nil {
		return record, fmt.Errorf("query service %q: %w", name, err)
	}
	if m.handle == 0 {
		return record, fmt.Errorf("query service %q: service manager is closed", name)
	}
	if name == "" {
		return record, errors.New("query service: service name is empty")
	}

	service, keyName, err := m.openService(name)
	if isServiceNotFound(err) {
		record.State = StateNotFound
		return record, nil
	}
	if err != nil {
		return record, fmt.Errorf("query service %q: %w", name, err)
	}
	defer windows.CloseServiceHandle(service)
	record.Name = keyName

	record.DisplayName, err = m.serviceName(procGetServiceDisplayNameW, keyName)
	if err != nil {
		return record, fmt.Errorf("get display name of service %q: %w", keyName, err)
	}
	var status windows.SERVICE_STATUS
	if err := windows.QueryServiceStatus(service, &status); err != nil {
		return record, fmt.Errorf("query status of service %q: %w", keyName, err)
	}
	record.State, err = serviceState(status.CurrentState)
	if err != nil {
		return record, fmt.Errorf("query status of service %q: %w", keyName, err)
	}
	return record, nil
}

// openService opens the service with query-status rights, first taking name
// as a key name and then as a display name, and returns the handle with the
// key name it was opened by.
func (m *scmServiceManager) openService(name string) (windows.Handle, string, error) {
	service, err := m.openServiceByKey(name)
	if !isServiceNotFound(err) {
		return service, name, err
	}
	keyName, err := m.serviceName(procGetServiceKeyNameW, name)
	if err != nil {
		return 0, "", err
	}
	service, err = m.openServiceByKey(keyName)
	return service, keyName, err
}

func (m *scmServiceManager) openServiceByKey(keyName string) (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString(keyName)
	if err != nil {
		// A name with a NUL character in it cannot name any service.
		return 0, windows.ERROR_INVALID_NAME
	}
	return windows.OpenService(m.handle, name, windows.SERVICE_QUERY_STATUS)
}

// serviceName calls GetServiceKeyNameW or GetServiceDisplayNameW, which
// share a signature, to turn a display name into a key name or back.
func (m *scmServiceManager) serviceName(proc *windows.LazyProc, name string) (string, error) {
	namePtr, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return "", windows.ERROR_INVALID_NAME
	}
	// Key names and display names are at most 256 characters long.
	buf := make([]uint16, 257)
	for {
		size := uint32(len(buf))
		ok, _, errno := proc.Call(uintptr(m.handle), uintptr(unsafe.Pointer(namePtr)),
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)))
		if ok != 0 {
			return windows.UTF16ToString(buf), nil
		}
		if errno != windows.ERROR_INSUFFICIENT_BUFFER || len(buf) >= 1<<16 {
			if errno == windows.ERROR_SUCCESS {
				errno = windows.ERROR_GEN_FAILURE
			}
			return "", errno
		}
		// On ERROR_INSUFFICIENT_BUFFER, size is the length that the name
		// needs, not counting its terminating NUL.
		buf = make([]uint16, max(int(size)+1, 2*len(buf)))
	}
}

// isServiceNotFound reports whether err means that no service has the name
// that was asked for. ERROR_INVALID_NAME comes back for names that no
// service can have, such as names containing a backslash.
func isServiceNotFound(err error) bool {
	return errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST) ||
		errors.Is(err, windows.ERROR_INVALID_NAME)
}

// serviceState maps the CurrentState of a SERVICE_STATUS to its name.
func serviceState(state uint32) (ServiceState, error) {
	switch state {
	case windows.SERVICE_STOPPED:
		return StateStopped, nil
	case windows.SERVICE_START_PENDING:
		return StateStartPending, nil
	case windows.SERVICE_STOP_PENDING:
		return StateStopPending, nil
	case windows.SERVICE_RUNNING:
		return StateRunning, nil
	case windows.SERVICE_CONTINUE_PENDING:
		return StateContinuePending, nil
	case windows.SERVICE_PAUSE_PENDING:
		return StatePausePending, nil
	case windows.SERVICE_PAUSED:
		return StatePaused, nil
	}
	return "", fmt.Errorf("unknown service state %d", state)
}

// Close closes the connection to the Service Control Manager. Calling it
// again does nothing.
func (m *scmServiceManager) Close() error {
	if m.handle == 0 {
		return nil
	}
	err := windows.CloseServiceHandle(m.handle)
	m.handle = 0
	if err != nil {
		return fmt.Errorf("close service control manager: %w", err)
	}
	return nil
}
