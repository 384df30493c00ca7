package jumdata_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/outcometable"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"
)

func TestConformance(t *testing.T) {
	for name, h := range map[string]func() providertest.Harness{
		"direct channel":       jumdatatest.Harness,
		"cloud-market channel": jumdatatest.AppCodeHarness,
	} {
		t.Run(name, func(t *testing.T) {
			providertest.RunConformanceTests(t, h())
		})
	}
}

func TestCheckSDKResultOnTheSandbox(t *testing.T) {
	sb, err := sandbox.New()
	require.NoError(t, err)
	defer sb.Close()
	p, err := jumdata.New(jumdatatest.SandboxConfig(sb), liveness.WithRetry(0, 0))
	require.NoError(t, err)

	res, err := p.CheckSDKResult(context.Background(), strings.NewReader("encrypted sdk file"))
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusPassed, res.Status)
	assert.Contains(t, res.FaceImageURL, sb.URL)

	res, err = p.CheckSDKResult(context.Background(), strings.NewReader(sandbox.MagicInput(sandbox.OutcomeSpoof)))
	require.NoError(t, err)
	assert.Equal(t, liveness.StatusFailed, res.Status)
	assert.Equal(t, liveness.ReasonSpoof, res.Reason)

	sb.InjectFault(jumdatasim.SDKCheck, sandbox.Fault{VendorError: "604", Times: 1})
	_, err = p.CheckSDKResult(context.Background(), strings.NewReader("x"))
	assert.ErrorIs(t, err, liveness.ErrDiscontinued)

	ac, err := jumdata.New(jumdatatest.SandboxAppCodeConfig(sb))
	require.NoError(t, err)
	_, err = ac.CheckSDKResult(context.Background(), strings.NewReader("x"))
	assert.ErrorIs(t, err, liveness.ErrUnsupported, "the cloud-market channel has no SDK check")
}

// Jumdata's page appends "?token=${token}&success=${success}" literally to
// returnUrl (H5 v2 document; its VUE sample reads them with
// this.$route.query). VerifyCallback must find them wherever a browser
// delivers them: the query, after a second '?' following an existing query,
// and in the fragment of a hash-mode route (a single-page app forwarding
// location.href to its server).
//
// NEEDS THE JUMDATA RETURN-URL PARSER: the "existing query" and "hash route"
// cases fail until the jumdata package reads those forms (developed on its
// own branch); they are expected to pass once both are merged.
func TestReturnURLForms(t *testing.T) {
	for _, tc := range []struct{ name, path, want string }{
		{"plain", "/return", "/return?token=%s&success=true"},
		{"existing query", "/return?a=b", "/return?a=b?token=%s&success=true"},
		{"hash route", "/#/done", "/#/done?token=%s&success=true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, err := sandbox.New()
			require.NoError(t, err)
			defer sb.Close()
			p, err := jumdata.New(jumdatatest.SandboxAppCodeConfig(sb))
			require.NoError(t, err)
			base := "https://app.example"
			s, err := p.InitSession(context.Background(), &liveness.SessionRequest{ReturnURL: base + tc.path, BizNo: "order-1"})
			require.NoError(t, err)
			c, err := sb.Complete(context.Background(), liveness.Jumdata, s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			require.Equal(t, base+strings.Replace(tc.want, "%s", s.ID, 1), c.ReturnURL, "the browser lands here")

			// What the receiving server holds: the query (the fragment too,
			// when the page forwards location.href).
			r, err := http.NewRequest(http.MethodGet, c.ReturnURL, nil)
			require.NoError(t, err)
			cb, err := p.VerifyCallback(context.Background(), r)
			require.NoError(t, err)
			assert.Equal(t, s.ID, cb.SessionID)
			assert.Equal(t, liveness.CallbackReturn, cb.Kind)
			assert.False(t, cb.Signed)
			assert.Equal(t, liveness.StatusPassed, cb.Claimed)
			res, err := liveness.Resolve(context.Background(), p, cb)
			require.NoError(t, err)
			assert.Equal(t, liveness.StatusPassed, res.Status)
		})
	}
}

func TestREADMEOutcomeTable(t *testing.T) {
	outcometable.Check(t, jumdatatest.Harness(), "../README.md")
}
