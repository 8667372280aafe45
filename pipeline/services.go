package pipeline

import (
	"context"
	"errors"
)

// ServiceState is the state of a service, named the same on every platform.
type ServiceState string

// The service states that check-services reports. StateNotFound stands for a
// service that the service manager does not know.
const (
	StateStopped         ServiceState = "stopped"
	StateStartPending    ServiceState = "start-pending"
	StateStopPending     ServiceState = "stop-pending"
	StateRunning         ServiceState = "running"
	StateContinuePending ServiceState = "continue-pending"
	StatePausePending    ServiceState = "pause-pending"
	StatePaused          ServiceState = "paused"
	StateNotFound        ServiceState = "not-found"
)

// ServiceStates lists every ServiceState in the order the help text shows them.
var ServiceStates = []ServiceState{
	StateStopped, StateStartPending, StateStopPending, StateRunning,
	StateContinuePending, StatePausePending, StatePaused, StateNotFound,
}

// ServiceRecord is the record that check-services writes for one service.
type ServiceRecord struct {
	Type        string       `json:"type"`
	Name        string       `json:"name"`
	DisplayName string       `json:"displayName"`
	State       ServiceState `json:"state"`
	Host        string       `json:"host"`
}

// ServiceManager queries the platform's service manager about services. It
// asks for query rights only and never changes a service.
type ServiceManager interface {
	// Query returns the state of the named service. A service that does not
	// exist is not an error: Query returns a record with StateNotFound. An
	// error means the manager could not be asked, and callers must treat the
	// service's state as unknown.
	Query(ctx context.Context, name string) (ServiceRecord, error)
	Close() error
}

// ErrNoServiceManager means this system has no service manager that
// tempsweep can ask, so no service state can be known.
var ErrNoServiceManager = errors.New("no service manager is available")

// OpenServiceManager connects to the service manager of host, or of this
// computer when host is empty. It is implemented per platform.
func OpenServiceManager(host string) (ServiceManager, error) {
	return openServiceManager(host)
}
