package main

import (
	"testing"

	"github.com/go-liveness/liveness/examples/webapp/frameworks/internal/kyctest"
)

// A passed check of every vendor through the echo router: start, the
// vendor's notify and the browser's return reach the Handler through
// echo.WrapHandler, and Deliver runs once.
func TestFlow(t *testing.T) {
	kyctest.Flow(t, serve)
}
