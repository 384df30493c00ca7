package jumdata_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/jumdata/jumdatasim"
	"github.com/go-liveness/liveness/jumdata/jumdatatest"
	"github.com/go-liveness/liveness/sandbox"
)

// The guesses of VENDORS.md (Jumdata) the sandbox plays beyond the texts,
// the product code, the result shape, the gateway and the SDK encoding
// (readings_test.go): the sign recipe, the token's format, the account
// codes, 606, the HTTP status, billing, the return's join and the SDK
// check's public codes. Under each the client gives the right Result, or
// a clear error with the right sentinel, in the calls counted here.

// sandboxWith starts a sandbox playing opts.
func sandboxWith(t *testing.T, opts ...sandbox.Option) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.New(textsFirst(opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// textsFirst puts the reading with error texts before opts: these tests
// were written for answers that name their cause, and each case that is
// about code-only answers says so with WithJumdataCodeOnlyErrors, which
// then wins (the sandbox's default is code-only).
func textsFirst(opts ...sandbox.Option) []sandbox.Option {
	return append([]sandbox.Option{jumdatasim.WithErrorTexts()}, opts...)
}

// channelConfigs returns the Config of each channel on sb, the direct
// one's AppID and the cloud market's AppCode suffixed with account ("-603")
// when account is not empty.
func channelConfigs(sb *sandbox.Sandbox, account string) map[string]jumdata.Config {
	direct, market := jumdatatest.SandboxConfig(sb), jumdatatest.SandboxAppCodeConfig(sb)
	if account != "" {
		direct.AppID += "-" + account
		market.AppCode += "-" + account
	}
	return map[string]jumdata.Config{"direct": direct, "cloud market": market}
}

func mustNew(t *testing.T, cfg jumdata.Config, opts ...liveness.Option) *jumdata.Provider {
	t.Helper()
	p, err := jumdata.New(cfg, opts...)
	require.NoError(t, err)
	return p
}

// returnServer is the integrating service's return URL: it verifies the
// return with p and resolves it, answering the Status.
func returnServer(t *testing.T, p *jumdata.Provider) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb, err := p.VerifyCallback(r.Context(), r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := liveness.Resolve(r.Context(), p, cb)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, cb.SessionID+" "+string(res.Status))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Guess: token-format. Tokens of another length or alphabet within the
// cap (128 printable ASCII bytes) go through the page, the return (a '+'
// of a base64 token stays a '+') and the result call unchanged; a longer
// one fails init clearly (ErrBadResponse naming the cap), once, and the
// session Jumdata made is billed all the same.
func TestTokenFormats(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		format  jumdatasim.TokenFormat
		length  int
		has     string // characters every such token holds
		tooLong bool
	}{
		{jumdatasim.TokenHex, 32, "", false},
		{jumdatasim.TokenUUID, 36, "-", false},
		{jumdatasim.TokenBase64, 44, "+/=", false},
		{jumdatasim.TokenMaxLength, jumdata.MaxTokenLen, "", false},
		{jumdatasim.TokenOverCap, 160, "", true},
	} {
		for channel, cfg := range channelConfigs(sandboxWith(t), "") {
			t.Run(string(tt.format)+"/"+channel, func(t *testing.T) {
				sb := sandboxWith(t, jumdatasim.WithTokenFormat(tt.format))
				cfg = channelConfigs(sb, "")[channel]
				p := mustNew(t, cfg, liveness.WithRetry(2, 0))
				srv := returnServer(t, p)
				s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: srv.URL + "/back"})
				assert.Equal(t, 1, sb.Requests(jumdatasim.Init), "init is sent once")
				assert.Equal(t, 1, jumdatasim.Charges(sb), "the session Jumdata made is billed")
				if tt.tooLong {
					require.ErrorIs(t, err, liveness.ErrBadResponse)
					assert.Nil(t, s)
					assert.Contains(t, asError(t, err).Message, "more than 128")
					return
				}
				require.NoError(t, err)
				assert.Len(t, s.ID, tt.length)
				for _, c := range tt.has {
					assert.Contains(t, s.ID, string(c))
				}
				u, err := p.BuildCheckURL(s)
				require.NoError(t, err)
				assert.Equal(t, s.CheckURL, u)

				v, err := (&sandbox.Browser{}).Press(ctx, s.CheckURL, sandbox.OutcomePass)
				require.NoError(t, err)
				assert.Equal(t, http.StatusOK, v.ReturnStatus, "%s", v.ReturnBody)
				assert.Equal(t, s.ID+" passed", string(v.ReturnBody), "the return names the token as init gave it")
				res, err := p.FetchResult(ctx, s.ID)
				require.NoError(t, err)
				assert.Equal(t, liveness.StatusPassed, res.Status)
				assert.Equal(t, s.ID, res.SessionID)
				assert.Equal(t, 2, sb.Requests(jumdatasim.Result), "one read by the return, one here")
			})
		}
	}
}

// A '+' in a return is the token's own; a space is never part of one.
func TestAPlusInAReturnIsAPlus(t *testing.T) {
	cb, err := jumdata.ParseReturnURL("https://shop.example.com/back?token=ab+c/d==&success=true")
	require.NoError(t, err)
	assert.Equal(t, "ab+c/d==", cb.SessionID)
	cb, err = jumdata.ParseReturnURL(jumdatatest.ReturnURL("https://shop.example.com/back", "ab+c/d==", false))
	require.NoError(t, err, "escaped, it reads the same")
	assert.Equal(t, "ab+c/d==", cb.SessionID)
	_, err = jumdata.ParseReturnURL("https://shop.example.com/back?token=ab%20c&success=true")
	require.ErrorIs(t, err, liveness.ErrInvalidArgument)
}

// Guess: direct-auth. The client signs the direct channel's H5 v2 calls
// as the SDK v1 document signs its check, and guesses no other recipe:
// under another one every direct H5 v2 call fails on its first call,
// never repeated. Where Jumdata's answer names the sign (texts) that is
// ErrUnauthenticated; a bare 400 (code only) can only be
// ErrInvalidArgument, code 400. The cloud market and the SDK check (whose
// recipe is documented) are not concerned.
func TestAnotherSignRecipeFailsClearly(t *testing.T) {
	ctx := context.Background()
	for _, recipe := range []jumdatasim.SignRecipe{jumdatasim.SignReordered, jumdatasim.SignUppercaseHex} {
		for _, codeOnly := range []bool{false, true} {
			opts := []sandbox.Option{jumdatasim.WithSignRecipe(recipe)}
			want, name := liveness.ErrUnauthenticated, string(recipe)+"/texts"
			if codeOnly {
				opts, want, name = append(opts, jumdatasim.WithCodeOnlyErrors()), liveness.ErrInvalidArgument, string(recipe)+"/code-only"
			}
			t.Run(name, func(t *testing.T) {
				sb := sandboxWith(t, opts...)
				ps := map[string]*jumdata.Provider{}
				for channel, cfg := range channelConfigs(sb, "") {
					ps[channel] = mustNew(t, cfg, liveness.WithRetry(2, 0))
				}
				_, err := ps["direct"].InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.ErrorIs(t, err, want)
				e := asError(t, err)
				assert.Equal(t, "400", e.Code)
				assert.False(t, e.MayHaveReached, "Jumdata refused it: no session")
				assert.False(t, liveness.Retryable(err))
				assert.Equal(t, 1, sb.Requests(jumdatasim.Init), "not repeated, nor re-signed another way")

				s, err := ps["cloud market"].InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.NoError(t, err, "the cloud market signs nothing")
				_, err = ps["direct"].FetchResult(ctx, s.ID)
				require.ErrorIs(t, err, want)
				assert.Equal(t, 1, sb.Requests(jumdatasim.Result))
				res, err := ps["cloud market"].FetchResult(ctx, s.ID)
				require.NoError(t, err)
				assert.Equal(t, liveness.StatusPending, res.Status)

				res, err = ps["direct"].CheckSDKResult(ctx, strings.NewReader("encrypted sdk file"))
				require.NoError(t, err, "the SDK v1 check keeps its document's recipe")
				assert.Equal(t, liveness.StatusPassed, res.Status)
			})
		}
	}
}

// Guess: account-codes. Where H5 v2 answers the account codes (an account
// not opened, disabled or out of balance: for as long as it is so), every
// call fails with the code's sentinel, once, not retried; where it does
// not, H5 v2 serves the account. The SDK check answers them either way.
func TestAccountCodes(t *testing.T) {
	ctx := context.Background()
	kinds := map[string]error{"601": liveness.ErrPermissionDenied, "602": liveness.ErrUnauthenticated, "603": liveness.ErrQuotaExceeded}
	for _, present := range []bool{true, false} {
		for code, kind := range kinds {
			name := code + "/present"
			if !present {
				name = code + "/absent"
			}
			t.Run(name, func(t *testing.T) {
				sb := sandboxWith(t, jumdatasim.WithAccountCodes(present))
				good := mustNew(t, jumdatatest.SandboxConfig(sb))
				s, err := good.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.NoError(t, err)
				inits, reads := 1, 0
				for channel, cfg := range channelConfigs(sb, code) {
					p := mustNew(t, cfg, liveness.WithRetry(2, 0))
					for range 2 { // for as long as the account is so
						_, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
						inits++
						res, rerr := p.FetchResult(ctx, s.ID)
						reads++
						if !present {
							require.NoError(t, err, channel)
							require.NoError(t, rerr, channel)
							assert.Equal(t, liveness.StatusPending, res.Status)
							continue
						}
						for op, err := range map[string]error{"InitSession": err, "FetchResult": rerr} {
							require.ErrorIs(t, err, kind, "%s %s", channel, op)
							assert.Equal(t, code, asError(t, err).Code)
							assert.False(t, liveness.Retryable(err))
						}
					}
					assert.Equal(t, inits, sb.Requests(jumdatasim.Init), "one call each (%s)", channel)
					assert.Equal(t, reads, sb.Requests(jumdatasim.Result), "one call each (%s)", channel)
				}
				direct := mustNew(t, channelConfigs(sb, code)["direct"], liveness.WithRetry(2, 0))
				_, err = direct.CheckSDKResult(ctx, strings.NewReader("encrypted sdk file"))
				require.ErrorIs(t, err, kind, "the SDK v1 document lists the code")
				assert.Equal(t, 1, sb.Requests(jumdatasim.SDKCheck))
			})
		}
	}
}

// Guess: code-606. The client reads 606 as a quota: not retried, whatever
// it is. Under the quota reading nothing else would help; under the rate
// limit reading the call works again a minute later, when the caller asks
// again (a reload of the return, the reconciler).
func TestCode606(t *testing.T) {
	ctx := context.Background()
	for _, m := range []jumdatasim.Code606{jumdatasim.Quota, jumdatasim.RateLimit} {
		for channel := range channelConfigs(sandboxWith(t), "") {
			t.Run(string(m)+"/"+channel, func(t *testing.T) {
				clk := testutil.NewClock(time.Now())
				sb := sandboxWith(t, sandbox.WithClock(clk.Now), jumdatasim.WithCode606(m))
				p := mustNew(t, channelConfigs(sb, "606")[channel], liveness.WithRetry(2, 0), liveness.WithClock(clk.Now))
				s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.NoError(t, err, "the account's one call")
				_, err = p.FetchResult(ctx, s.ID)
				require.ErrorIs(t, err, liveness.ErrQuotaExceeded)
				assert.Equal(t, "606", asError(t, err).Code)
				assert.False(t, liveness.Retryable(err))
				assert.Equal(t, 1, sb.Requests(jumdatasim.Result), "606 is not retried")
				_, err = p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.ErrorIs(t, err, liveness.ErrQuotaExceeded)
				assert.Equal(t, 2, sb.Requests(jumdatasim.Init))

				clk.Advance(time.Minute)
				res, err := p.FetchResult(ctx, s.ID)
				if m == jumdatasim.Quota {
					require.ErrorIs(t, err, liveness.ErrQuotaExceeded, "a quota stays used up")
				} else {
					require.NoError(t, err, "a rate limit resets")
					assert.Equal(t, liveness.StatusPending, res.Status)
				}
				assert.Equal(t, 2, sb.Requests(jumdatasim.Result))
			})
		}
	}
}

// Guess: http-status. Whatever HTTP status an error answer carries, its
// code decides: the same sentinel and Code as under HTTP 200, retried
// only where the code allows it (a read, on a Retryable error), and
// never for init. The status is kept in HTTPStatus.
func TestHTTPStatusReadings(t *testing.T) {
	ctx := context.Background()
	codes := []struct {
		code  string
		kind  error
		retry bool // a read retries it
	}{
		{"400", liveness.ErrInvalidArgument, false},
		{"500", liveness.ErrUnavailable, true},
		{"604", liveness.ErrDiscontinued, false},
		{"606", liveness.ErrQuotaExceeded, false},
		{"609", liveness.ErrRateLimited, true},
		{"610", liveness.ErrUnavailable, true},
		{"999", liveness.ErrBadResponse, false},
	}
	mapped := map[string]int{"400": 400, "500": 503, "604": 410, "606": 429, "609": 429, "610": 504, "999": 500}
	for _, m := range []jumdatasim.HTTPStatuses{jumdatasim.Always200, jumdatasim.CodeAsStatus, jumdatasim.MappedStatus} {
		status := func(code string) int {
			switch m {
			case jumdatasim.CodeAsStatus:
				n := 0
				for _, c := range code {
					n = n*10 + int(c-'0')
				}
				return n
			case jumdatasim.MappedStatus:
				return mapped[code]
			}
			return http.StatusOK
		}
		for _, tt := range codes {
			t.Run(string(m)+"/"+tt.code, func(t *testing.T) {
				sb := sandboxWith(t, jumdatasim.WithHTTPStatuses(m))
				p := mustNew(t, jumdatatest.SandboxAppCodeConfig(sb), liveness.WithRetry(2, 0))
				s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.NoError(t, err)

				sb.InjectFault(jumdatasim.Init, sandbox.Fault{VendorError: tt.code})
				_, err = p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.ErrorIs(t, err, tt.kind)
				e := asError(t, err)
				assert.Equal(t, tt.code, e.Code)
				assert.Equal(t, status(tt.code), e.HTTPStatus)
				// A 504 is a gateway that gave up: the create is in doubt.
				assert.Equal(t, status(tt.code) == http.StatusGatewayTimeout, e.MayHaveReached)
				assert.Equal(t, 2, sb.Requests(jumdatasim.Init), "init is never repeated")

				sb.InjectFault(jumdatasim.Result, sandbox.Fault{VendorError: tt.code})
				_, err = p.FetchResult(ctx, s.ID)
				require.ErrorIs(t, err, tt.kind)
				assert.Equal(t, tt.code, asError(t, err).Code)
				want := 1
				if tt.retry {
					want = 3
				}
				assert.Equal(t, want, sb.Requests(jumdatasim.Result), "a read is retried only on a Retryable code")
			})
		}
		t.Run(string(m)+"/answers of the sandbox's own", func(t *testing.T) {
			sb := sandboxWith(t, jumdatasim.WithHTTPStatuses(m))
			p := mustNew(t, jumdatatest.SandboxConfig(sb), liveness.WithRetry(2, 0))
			_, err := p.FetchResult(ctx, "0123456789abcdef0123456789abcdef")
			require.ErrorIs(t, err, liveness.ErrNotFound)
			assert.Equal(t, status("400"), asError(t, err).HTTPStatus)
			cfg := jumdatatest.SandboxConfig(sb)
			cfg.AppSecret = "not-the-secret"
			_, err = mustNew(t, cfg).InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
			require.ErrorIs(t, err, liveness.ErrUnauthenticated)
			for code, kind := range map[string]error{"601": liveness.ErrPermissionDenied, "602": liveness.ErrUnauthenticated, "603": liveness.ErrQuotaExceeded} {
				_, err = mustNew(t, channelConfigs(sb, code)["direct"]).InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.ErrorIs(t, err, kind, code)
			}
			for _, o := range sandbox.OutcomesFor(liveness.Jumdata) {
				s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.NoError(t, err)
				_, err = sb.Complete(ctx, liveness.Jumdata, s.ID, o)
				require.NoError(t, err)
				res, err := p.FetchResult(ctx, s.ID)
				require.NoError(t, err, "results stay HTTP 200 (%s)", o)
				assert.True(t, res.Status.Final(), o)
			}
		})
	}
}

// Guess: call-billing. The client sends init once, whatever came back once
// it may have reached Jumdata, and reads a result once per FetchResult
// (a Retryable error aside); what a flow costs then depends only on what
// Jumdata bills. The SDK check bills its 200 alone, as documented.
func TestCallBilling(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		billing jumdatasim.Billing
		// charges of: a pass read once; a spoof read once; a pending read
		// then a pass read; a device the check cannot run on
		pass, spoof, pendingThenPass, device int
	}{
		{jumdatasim.BillEveryAnswer, 2, 2, 3, 2},
		{jumdatasim.BillCode200, 2, 1, 2, 1},
		{jumdatasim.BillInitOnly, 1, 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(string(tt.billing), func(t *testing.T) {
			flows := map[string]struct {
				outcomes []sandbox.Outcome // "" reads it pending
				want     int
			}{
				"pass":              {[]sandbox.Outcome{sandbox.OutcomePass}, tt.pass},
				"spoof":             {[]sandbox.Outcome{sandbox.OutcomeSpoof}, tt.spoof},
				"pending then pass": {[]sandbox.Outcome{"", sandbox.OutcomePass}, tt.pendingThenPass},
				"device":            {[]sandbox.Outcome{sandbox.OutcomeDeviceUnsupported}, tt.device},
			}
			for name, f := range flows {
				sb := sandboxWith(t, jumdatasim.WithBilling(tt.billing))
				p := mustNew(t, jumdatatest.SandboxConfig(sb), liveness.WithRetry(2, 0))
				s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
				require.NoError(t, err)
				for _, o := range f.outcomes {
					if o != "" {
						_, err = sb.Complete(ctx, liveness.Jumdata, s.ID, o)
						require.NoError(t, err)
					}
					_, err = p.FetchResult(ctx, s.ID)
					require.NoError(t, err)
				}
				assert.Equal(t, 1, sb.Requests(jumdatasim.Init), name)
				assert.Equal(t, len(f.outcomes), sb.Requests(jumdatasim.Result), name)
				assert.Equal(t, f.want, jumdatasim.Charges(sb), "%s costs", name)
			}

			sb := sandboxWith(t, jumdatasim.WithBilling(tt.billing))
			p := mustNew(t, jumdatatest.SandboxConfig(sb), liveness.WithRetry(2, 0))
			s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
			require.NoError(t, err)
			sb.InjectFault(jumdatasim.Result, sandbox.Fault{VendorError: "609", Times: 1})
			_, err = sb.Complete(ctx, liveness.Jumdata, s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			res, err := p.FetchResult(ctx, s.ID)
			require.NoError(t, err, "a read answered 609 is repeated")
			assert.Equal(t, liveness.StatusPassed, res.Status)
			assert.Equal(t, 2, sb.Requests(jumdatasim.Result))
			assert.Equal(t, tt.pass, jumdatasim.Charges(sb), "the 609 is not billed")

			_, err = p.CheckSDKResult(ctx, strings.NewReader("encrypted sdk file"))
			require.NoError(t, err)
			_, err = p.CheckSDKResult(ctx, strings.NewReader(sandbox.MagicPrefix+"code-609"))
			require.ErrorIs(t, err, liveness.ErrRateLimited)
			assert.Equal(t, tt.pass+1, jumdatasim.Charges(sb), "the SDK check bills its 200 alone")
		})
	}
}

// Init is sent once when the call may have reached Jumdata, whatever came
// back: a gateway that gave up, a dropped connection, a cut answer, no
// answer in time. Only a call that provably never left is repeated.
func TestInitIsNeverSentTwice(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name      string
		fault     sandbox.Fault
		kind      error
		ambiguous bool
	}{
		{"a gateway 502", sandbox.Fault{HTTPStatus: http.StatusBadGateway}, liveness.ErrUnavailable, true},
		{"a gateway 504", sandbox.Fault{HTTPStatus: http.StatusGatewayTimeout}, liveness.ErrUnavailable, true},
		{"a dropped connection", sandbox.Fault{Drop: true}, liveness.ErrUnavailable, true},
		{"no answer in time", sandbox.Fault{Latency: 2 * time.Second}, liveness.ErrUnavailable, true},
		{"a cut answer", sandbox.Fault{Truncated: true}, liveness.ErrBadResponse, false},
		{"maintenance (500)", sandbox.Fault{VendorError: "500"}, liveness.ErrUnavailable, false},
		{"too frequent (609)", sandbox.Fault{VendorError: "609"}, liveness.ErrRateLimited, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sb := sandboxWith(t)
			sb.InjectFault(jumdatasim.Init, tt.fault)
			p := mustNew(t, jumdatatest.SandboxConfig(sb), liveness.WithRetry(3, 0), liveness.WithTimeout(300*time.Millisecond))
			_, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
			require.ErrorIs(t, err, tt.kind)
			assert.Equal(t, tt.ambiguous, asError(t, err).MayHaveReached)
			assert.Equal(t, 1, sb.Requests(jumdatasim.Init))
		})
	}
	t.Run("a call that never left", func(t *testing.T) {
		sb := sandboxWith(t)
		cfg := jumdatatest.SandboxConfig(sb)
		require.NoError(t, sb.Close())
		p := mustNew(t, cfg, liveness.WithRetry(2, 0))
		_, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: returnURL})
		require.ErrorIs(t, err, liveness.ErrUnavailable)
		assert.False(t, asError(t, err).MayHaveReached)
		assert.True(t, liveness.Retryable(err), "nothing reached Jumdata: the caller may try again")
	})
}

// Guess: return-append. Wherever the page puts token and success in a
// returnUrl with a query or a fragment, the client reads them: from the
// request when they are before the '#', from location.href
// (ParseReturnURL) when they are after it, which a browser never sends.
func TestReturnAppendReadings(t *testing.T) {
	ctx := context.Background()
	const base = "https://app.example"
	tests := []struct {
		path string
		want map[jumdatasim.ReturnAppend]string // %s is the token
	}{
		{"/back", map[jumdatasim.ReturnAppend]string{
			jumdatasim.ReturnLiteral:  "/back?token=%s&success=true",
			jumdatasim.ReturnQuery:    "/back?token=%s&success=true",
			jumdatasim.ReturnFragment: "/back?token=%s&success=true",
		}},
		{"/back?order=42", map[jumdatasim.ReturnAppend]string{
			jumdatasim.ReturnLiteral:  "/back?order=42?token=%s&success=true",
			jumdatasim.ReturnQuery:    "/back?order=42&token=%s&success=true",
			jumdatasim.ReturnFragment: "/back?order=42&token=%s&success=true",
		}},
		{"/back?", map[jumdatasim.ReturnAppend]string{
			jumdatasim.ReturnLiteral:  "/back??token=%s&success=true",
			jumdatasim.ReturnQuery:    "/back?token=%s&success=true",
			jumdatasim.ReturnFragment: "/back?token=%s&success=true",
		}},
		{"/#/done", map[jumdatasim.ReturnAppend]string{
			jumdatasim.ReturnLiteral:  "/#/done?token=%s&success=true",
			jumdatasim.ReturnQuery:    "/?token=%s&success=true#/done",
			jumdatasim.ReturnFragment: "/#/done?token=%s&success=true",
		}},
		{"/?app=1#/done?step=2", map[jumdatasim.ReturnAppend]string{
			jumdatasim.ReturnLiteral:  "/?app=1#/done?step=2?token=%s&success=true",
			jumdatasim.ReturnQuery:    "/?app=1&token=%s&success=true#/done?step=2",
			jumdatasim.ReturnFragment: "/?app=1#/done?step=2&token=%s&success=true",
		}},
	}
	for _, tt := range tests {
		for a, want := range tt.want {
			t.Run(string(a)+" "+tt.path, func(t *testing.T) {
				sb := sandboxWith(t, jumdatasim.WithReturnAppend(a))
				p := mustNew(t, jumdatatest.SandboxAppCodeConfig(sb))
				s, err := p.InitSession(ctx, &liveness.SessionRequest{ReturnURL: base + tt.path})
				require.NoError(t, err)
				c, err := sb.Complete(ctx, liveness.Jumdata, s.ID, sandbox.OutcomePass)
				require.NoError(t, err)
				require.Equal(t, base+strings.Replace(want, "%s", s.ID, 1), c.ReturnURL)

				sent, _, _ := strings.Cut(c.ReturnURL, "#") // what the browser requests
				cb, err := p.VerifyCallback(ctx, httptest.NewRequest(http.MethodGet, sent, nil))
				if strings.Contains(sent, "token=") {
					require.NoError(t, err)
				} else {
					require.ErrorIs(t, err, liveness.ErrNoResult, "the parameters are in the fragment")
					cb, err = jumdata.ParseReturnURL(c.ReturnURL)
					require.NoError(t, err)
				}
				assert.Equal(t, s.ID, cb.SessionID)
				assert.Equal(t, liveness.StatusPassed, cb.Claimed)
				res, err := liveness.Resolve(ctx, p, cb)
				require.NoError(t, err)
				assert.Equal(t, liveness.StatusPassed, res.Status)
				assert.Equal(t, 1, sb.Requests(jumdatasim.Result))
			})
		}
	}
}

// Guess: sdk-public-codes. Where the SDK check answers 606, 609 or 610,
// they mean what they mean on H5 v2; the check is sent once (Jumdata bills
// its 200, so only a call that never left is repeated) and nothing is
// billed.
func TestSDKPublicCodes(t *testing.T) {
	ctx := context.Background()
	for _, present := range []bool{true, false} {
		for code, kind := range map[string]error{"606": liveness.ErrQuotaExceeded, "609": liveness.ErrRateLimited, "610": liveness.ErrUnavailable} {
			t.Run(code+map[bool]string{true: "/present", false: "/absent"}[present], func(t *testing.T) {
				sb := sandboxWith(t, jumdatasim.WithSDKPublicCodes(present))
				p := mustNew(t, jumdatatest.SandboxConfig(sb), liveness.WithRetry(2, 0))
				res, err := p.CheckSDKResult(ctx, strings.NewReader(sandbox.MagicPrefix+"code-"+code))
				assert.Equal(t, 1, sb.Requests(jumdatasim.SDKCheck))
				if !present {
					require.NoError(t, err)
					assert.Equal(t, liveness.StatusPassed, res.Status)
					assert.Equal(t, 1, jumdatasim.Charges(sb))
					return
				}
				require.ErrorIs(t, err, kind)
				e := asError(t, err)
				assert.Equal(t, code, e.Code)
				assert.Equal(t, "CheckSDKResult", e.Op)
				assert.Zero(t, jumdatasim.Charges(sb))
			})
		}
	}
}
