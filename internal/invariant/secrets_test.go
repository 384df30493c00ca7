package invariant_test

import (
	"testing"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/providertest"
)

// TestNoSecretInErrorsOrLogs: for every provider URL the sandbox offers
// (every registered vendor, and every other channel of one), with its
// credentials replaced by a secret that changes when escaped, for each
// operation, HTTP status and spelling of the secret, an answer that echoes
// it everywhere the vendor controls leaves no trace of it in the error (any
// format, any wrapped error) or in the debug log
// (providertest.AssertNoSecretInAnswers). The answers are the vendor's
// simulator's, with every field echoing it (each vendor's own test adds
// the fields of its documents the simulator does not send).
func TestNoSecretInErrorsOrLogs(t *testing.T) {
	for _, c := range channels(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			providertest.AssertNoSecretInAnswers(t, providertest.AnswerEcho{
				Secret: secret,
				NewProvider: func(t *testing.T, base string, opts ...liveness.Option) liveness.Provider {
					return c.hostile(t, base, opts...)
				},
				Request:   c.request(),
				SessionID: c.h.UnknownSessionID,
				Answers:   echoAnswers(simulatorAnswers(t, c)),
			})
		})
	}
}
