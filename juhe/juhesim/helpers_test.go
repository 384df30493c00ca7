package juhesim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/sandbox"
)

// The HTTP helpers of the tests (internal/testutil).
var (
	postForm = testutil.PostForm
	get      = testutil.Get
	decode   = testutil.DecodeJSON
)

func start(t *testing.T, opts ...sandbox.Option) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}
