//go:build !windows && !linux

package pipeline

// openServiceManager returns ErrNoServiceManager: tempsweep asks only the
// Windows Service Control Manager and systemd.
func openServiceManager(host string) (ServiceManager, error) {
	return nil, ErrNoServiceManager
}
