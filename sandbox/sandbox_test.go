package sandbox_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/sandbox"
)

func start(t *testing.T, opts ...sandbox.Option) *sandbox.Sandbox {
	t.Helper()
	// The receivers listen on random local ports, off Megvii's whitelist.
	sb, err := sandbox.New(append([]sandbox.Option{sandbox.WithAnyNotifyPort()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// Complete refuses a session the sandbox does not hold and an outcome
// that is none, for every vendor it serves; no vendor's outcomes are
// those of a vendor it does not know.
func TestCompleteErrors(t *testing.T) {
	sb := start(t)
	vendors := sb.Vendors()
	require.NotEmpty(t, vendors, "the sandbox serves the vendors vendors_test.go imports")
	for _, v := range vendors {
		_, err := sb.Complete(context.Background(), v, "nope", sandbox.OutcomePass)
		assert.ErrorIs(t, err, sandbox.ErrUnknownSession, v)
		_, err = sb.Complete(context.Background(), v, "nope", "bogus")
		assert.ErrorIs(t, err, sandbox.ErrBadOutcome, v)
	}
	assert.Empty(t, sandbox.OutcomesFor("acme"))
}
