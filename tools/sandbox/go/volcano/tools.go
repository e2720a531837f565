//go:build tools

// Package tools pins the Volcano commands the sandbox builds.
package tools

import (
	_ "volcano.sh/volcano/cmd/controller-manager"
	_ "volcano.sh/volcano/cmd/scheduler"
)
