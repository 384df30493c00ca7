package megviisim_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/internal/testutil"
	"github.com/go-liveness/liveness/megvii/megviisim"
	"github.com/go-liveness/liveness/sandbox"
)

// megviiSession starts a Megvii session and returns its biz_id and page
// token.
func megviiSession(t *testing.T, sb *sandbox.Sandbox) (bizID, token string) {
	t.Helper()
	rc := newReceiver(t)
	status, body := postMultipart(t, sb.URL+"/faceid/lite/get_token", megviiFields(rc), nil)
	require.Equal(t, 200, status, string(body))
	tok := decode(t, body)
	return tok["biz_id"].(string), tok["token"].(string)
}

// megviiResult calls get_result for bizID and returns the HTTP status and
// the status field, or the error_message of an error answer.
func megviiResult(t *testing.T, sb *sandbox.Sandbox, bizID string) (int, string) {
	t.Helper()
	status, body := get(t, sb.URL+"/faceid/lite/get_result?"+url.Values{
		"api_key": {megviisim.APIKey}, "api_secret": {megviisim.APISecret}, "biz_id": {bizID}}.Encode())
	m := decode(t, body)
	if status != 200 {
		return status, m["error_message"].(string)
	}
	return status, m["status"].(string)
}

// TestMegviiDefaultCountsPendingCalls: by default (the harsher reading,
// which WithCallsCounted names) three calls while pending spend the
// biz_id; the 4th answers RESULT_NOT_FOUND even after the session
// completed.
func TestMegviiDefaultCountsPendingCalls(t *testing.T) {
	for name, opts := range map[string][]sandbox.Option{
		"default":                 nil,
		"WithCallsCounted":        {megviisim.WithCallsCounted()},
		"counted after free":      {megviisim.WithPendingCallsFree(), megviisim.WithCallsCounted()},
		"results kept, calls too": {megviisim.WithResultsKept()},
	} {
		t.Run(name, func(t *testing.T) { testMegviiCountsPendingCalls(t, start(t, opts...)) })
	}
}

func testMegviiCountsPendingCalls(t *testing.T, sb *sandbox.Sandbox) {
	id, token := megviiSession(t, sb)

	st, v := megviiResult(t, sb, id)
	assert.Equal(t, 200, st)
	assert.Equal(t, "NOT_STARTED", v, "call 1")
	status, _ := get(t, sb.URL+"/faceid/lite/do?token="+token)
	require.Equal(t, 200, status)
	for call := 2; call <= 3; call++ {
		st, v = megviiResult(t, sb, id)
		assert.Equal(t, 200, st)
		assert.Equal(t, "PROCESSING", v, "call %d", call)
	}
	_, err := sb.Complete(context.Background(), liveness.Megvii, id, sandbox.OutcomePass)
	require.NoError(t, err)
	for call := 4; call <= 5; call++ {
		st, v = megviiResult(t, sb, id)
		assert.Equal(t, 400, st, "call %d", call)
		assert.Equal(t, "RESULT_NOT_FOUND", v, "call %d", call)
	}
	assert.Equal(t, 5, megviisim.ResultCalls(sb, id))
	assert.Equal(t, 5, sb.Requests(megviisim.GetResult))
}

// TestMegviiCallsCountedLeavesWhatPendingCallsDidNotSpend: two pending
// calls leave one read of the result.
func TestMegviiCallsCountedLeavesWhatPendingCallsDidNotSpend(t *testing.T) {
	sb := start(t)
	id, _ := megviiSession(t, sb)
	for i := 0; i < 2; i++ {
		_, v := megviiResult(t, sb, id)
		assert.Equal(t, "NOT_STARTED", v)
	}
	_, err := sb.Complete(context.Background(), liveness.Megvii, id, sandbox.OutcomeSpoof)
	require.NoError(t, err)
	st, v := megviiResult(t, sb, id)
	assert.Equal(t, 200, st)
	assert.Equal(t, "OK", v, "call 3 reads the result")
	st, v = megviiResult(t, sb, id)
	assert.Equal(t, 400, st)
	assert.Equal(t, "RESULT_NOT_FOUND", v, "call 4")
	assert.Equal(t, 4, megviisim.ResultCalls(sb, id))
}

// TestMegviiPendingCallsFreeCountsOnlyReadsOfTheResult: with the lenient
// reading a pending session can be polled freely and its result read
// three times; ResultCalls counts the pending calls all the same.
// The last option given wins.
func TestMegviiPendingCallsFreeCountsOnlyReadsOfTheResult(t *testing.T) {
	sb := start(t, megviisim.WithCallsCounted(), megviisim.WithPendingCallsFree())
	id, _ := megviiSession(t, sb)
	for i := 0; i < 5; i++ {
		st, v := megviiResult(t, sb, id)
		assert.Equal(t, 200, st)
		assert.Equal(t, "NOT_STARTED", v)
	}
	assert.Equal(t, 5, megviisim.ResultCalls(sb, id), "pending calls count")
	_, err := sb.Complete(context.Background(), liveness.Megvii, id, sandbox.OutcomePass)
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		st, v := megviiResult(t, sb, id)
		assert.Equal(t, 200, st)
		assert.Equal(t, "OK", v, "read %d", i+1)
	}
	st, v := megviiResult(t, sb, id)
	assert.Equal(t, 400, st)
	assert.Equal(t, "RESULT_NOT_FOUND", v, "the 4th read")
	assert.Equal(t, 9, megviisim.ResultCalls(sb, id))
}

// TestMegviiResultCallsCountsOnlyCallsThatReachTheSession: refused
// credentials, injected faults and other biz_ids are not the session's
// calls; Requests counts them all.
func TestMegviiResultCallsCountsOnlyCallsThatReachTheSession(t *testing.T) {
	sb := start(t)
	id, _ := megviiSession(t, sb)
	other, _ := megviiSession(t, sb)
	assert.Zero(t, megviisim.ResultCalls(sb, id))

	get(t, sb.URL+"/faceid/lite/get_result?"+url.Values{"api_key": {megviisim.APIKey}, "api_secret": {"wrong"}, "biz_id": {id}}.Encode())
	sb.InjectFault(megviisim.GetResult, sandbox.Fault{VendorError: "INTERNAL_ERROR", Times: 1})
	st, v := megviiResult(t, sb, id)
	assert.Equal(t, 500, st)
	assert.Equal(t, "INTERNAL_ERROR", v)
	megviiResult(t, sb, other)
	megviiResult(t, sb, "1462259748,unknown")
	assert.Zero(t, megviisim.ResultCalls(sb, id))
	assert.Equal(t, 1, megviisim.ResultCalls(sb, other))
	assert.Zero(t, megviisim.ResultCalls(sb, "1462259748,unknown"))
	assert.Equal(t, 4, sb.Requests(megviisim.GetResult))

	_, v = megviiResult(t, sb, id)
	assert.Equal(t, "NOT_STARTED", v, "the refused and faulted calls spent nothing")
	assert.Equal(t, 1, megviisim.ResultCalls(sb, id))
}

// TestMegviiRetentionForgetsAnOldResult: by default (and with
// WithRetention(24h)) a result is answered until it is a day old on
// the sandbox's clock, then answers RESULT_NOT_FOUND; the session stays in
// the store that long even past WithRetention.
func TestMegviiRetentionForgetsAnOldResult(t *testing.T) {
	for name, opts := range map[string][]sandbox.Option{
		"default":           nil,
		"WithRetention(1d)": {megviisim.WithRetention(24 * time.Hour)},
		"kept, then a day":  {megviisim.WithResultsKept(), megviisim.WithRetention(megviisim.ResultLifetime)},
	} {
		t.Run(name, func(t *testing.T) { testMegviiForgetsAfterADay(t, opts...) })
	}
}

func testMegviiForgetsAfterADay(t *testing.T, opts ...sandbox.Option) {
	clk := testutil.NewClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	sb := start(t, append([]sandbox.Option{sandbox.WithClock(clk.Now)}, opts...)...)
	id, _ := megviiSession(t, sb)
	pending, _ := megviiSession(t, sb)
	clk.Advance(5 * time.Minute)
	_, err := sb.Complete(context.Background(), liveness.Megvii, id, sandbox.OutcomePass)
	require.NoError(t, err)

	clk.Advance(24 * time.Hour) // a day after completion
	megviiSession(t, sb)        // would drop both without the option (retention one hour)
	st, v := megviiResult(t, sb, id)
	assert.Equal(t, 200, st)
	assert.Equal(t, "OK", v, "exactly a day old")
	_, v = megviiResult(t, sb, pending)
	assert.Equal(t, "TIMEOUT", v, "expired 10 minutes after creation: 23h55m old")

	clk.Advance(6 * time.Minute)
	st, v = megviiResult(t, sb, id)
	assert.Equal(t, 400, st)
	assert.Equal(t, "RESULT_NOT_FOUND", v, "older than a day")
	_, v = megviiResult(t, sb, pending)
	assert.Equal(t, "RESULT_NOT_FOUND", v, "a timed-out session is forgotten a day after its expiry")
	assert.Equal(t, 2, megviisim.ResultCalls(sb, id), "forgotten calls count")

	clk.Advance(2 * time.Hour)
	megviiSession(t, sb)
	assert.Zero(t, megviisim.ResultCalls(sb, id), "dropped from the store once past both retentions")
	assert.Zero(t, megviisim.ResultCalls(sb, pending))
	assert.Equal(t, 2, sb.SessionCount(), "the two sessions made since")
}

// TestMegviiResultsKeptForgetsNoResult: with the lenient reading a result
// is answered however old, while the store holds the session. The last
// option given wins.
func TestMegviiResultsKeptForgetsNoResult(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	sb := start(t, sandbox.WithClock(clk.Now), megviisim.WithRetention(time.Hour), megviisim.WithResultsKept())
	id, _ := megviiSession(t, sb)
	_, err := sb.Complete(context.Background(), liveness.Megvii, id, sandbox.OutcomePass)
	require.NoError(t, err)
	clk.Advance(72 * time.Hour)
	st, v := megviiResult(t, sb, id)
	assert.Equal(t, 200, st)
	assert.Equal(t, "OK", v)
}
