//go:build tools

// Package tools pins the Kthena commands the sandbox builds.
package tools

import (
	_ "github.com/volcano-sh/kthena/cmd/kthena-controller-manager"
	_ "github.com/volcano-sh/kthena/cmd/kthena-router"
)
