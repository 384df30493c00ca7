package main

import (
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/go-liveness/liveness/examples/webapp/frameworks/internal/kyctest"
)

// A passed check of every vendor through the gin router: start, the
// vendor's notify and the browser's return reach the Handler through
// gin.WrapF, and Deliver runs once.
func TestFlow(t *testing.T) {
	gin.SetMode(gin.TestMode)
	kyctest.Flow(t, serve)
}
