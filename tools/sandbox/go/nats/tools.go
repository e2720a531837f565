//go:build tools

// Package tools pins the nats-server command the sandbox builds (the Dynamo stack's NATS).
package tools

import (
	_ "github.com/nats-io/nats-server/v2"
)
