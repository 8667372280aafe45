//go:build !windows && !linux

package pipeline

// openServiceManager returns ErrNoServiceManager because tempsweep queries
// only the Windows Service Control Manager and systemd.
func openServiceManager(host string) (ServiceManager, error) {
	return nil, ErrNoServiceManager
}
