//go:build windows

// Command testsvc is a Windows service that does nothing, for the tests of
// tempsweep's service checks. Its pending states last as long as its flags
// set, so that tests can observe start-pending and stop-pending.
//
// Register it with the service control manager and control it with sc:
//
//	sc create NAME binPath= "C:\path\testsvc.exe -stop-pending 30s"
//	sc start NAME
//	sc pause NAME
//	sc continue NAME
//	sc stop NAME
//	sc delete NAME
//
// It accepts stop, shutdown, pause and continue.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/windows/svc"
)

// service reports its states to the service control manager, holding each
// pending state for the configured time.
type service struct {
	startPending time.Duration
	stopPending  time.Duration
}

const accepted = svc.AcceptStop | svc.AcceptShutdown | svc.AcceptPauseAndContinue

func (s service) Execute(args []string, requests <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending, WaitHint: waitHint(s.startPending)}
	time.Sleep(s.startPending)
	status <- svc.Status{State: svc.Running, Accepts: accepted}

	for request := range requests {
		switch request.Cmd {
		case svc.Interrogate:
			status <- request.CurrentStatus
		case svc.Pause:
			status <- svc.Status{State: svc.Paused, Accepts: accepted}
		case svc.Continue:
			status <- svc.Status{State: svc.Running, Accepts: accepted}
		case svc.Stop, svc.Shutdown:
			status <- svc.Status{State: svc.StopPending, WaitHint: waitHint(s.stopPending)}
			time.Sleep(s.stopPending)
			return false, 0
		}
	}
	return false, 0
}

// waitHint converts d to the milliseconds that the service control manager
// expects, plus a margin so that it does not give up on the service early.
func waitHint(d time.Duration) uint32 {
	return uint32((d + 5*time.Second).Milliseconds())
}

func main() {
	var s service
	flag.DurationVar(&s.startPending, "start-pending", 0, "how long to report start-pending before running")
	flag.DurationVar(&s.stopPending, "stop-pending", 0, "how long to report stop-pending after a stop request")
	flag.Parse()

	// The name is ignored for a service that runs in its own process.
	if err := svc.Run("testsvc", s); err != nil {
		fmt.Fprintf(os.Stderr, "testsvc: %v\n", err)
		os.Exit(1)
	}
}
