// Command pause holds a pod's namespaces: it sleeps, reaps the zombies it inherits as PID 1, and
// exits 0 on SIGTERM or SIGINT. A small static stand-in for registry.k8s.io/pause, which the
// sandbox cannot pull (no container registry is reachable).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
