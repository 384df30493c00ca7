package sandbox

import (
	"net/http"
	"slices"
	"strings"
)

// Reading is one way of reading a point the vendors' documents leave open,
// which the sandbox can play: VENDORS.md, at the repository's root, lists
// every such point (a "guess") with the readings considered, and each
// reading there is one of [Readings].
type Reading struct {
	// Name is "<vendor>/<entry>=<value>": the vendor, the guess entry as
	// VENDORS.md names it, and the reading's value, e.g.
	// "megvii/notify-body=multipart".
	Name string
	// Default reports whether the sandbox plays this reading when no
	// option chose another: where readings are ordered, the harshest.
	Default bool
	// Option makes the sandbox play the reading (for a default, it states
	// it explicitly).
	Option Option
}

// Readings returns every reading the sandbox can play, ordered by name.
// Pass r.Option to [New], or its name to the liveness command's "sandbox
// --reading".
func Readings() []Reading {
	rs := []Reading{
		// Megvii.
		{"megvii/result-calls=every-call", true, WithMegviiCallsCounted()},
		{"megvii/result-calls=final-reads-only", false, WithMegviiPendingCallsFree()},
		{"megvii/result-retention=one-day", true, WithMegviiRetention(MegviiResultLifetime)},
		{"megvii/result-retention=kept", false, WithMegviiResultsKept()},
		{"megvii/spent-answer=result-not-found", true, WithMegviiSpentAnswer(MegviiSpentNotFound)},
		{"megvii/spent-answer=authorization-denied", false, WithMegviiSpentAnswer(MegviiSpentDenied)},
		{"megvii/spent-answer=bad-arguments", false, WithMegviiSpentAnswer(MegviiSpentBadArguments)},
		{"megvii/notify-body=form", true, WithMegviiNotifyBody(MegviiNotifyForm)},
		{"megvii/notify-body=multipart", false, WithMegviiNotifyBody(MegviiNotifyMultipart)},
		{"megvii/notify-redelivery=none", true, noOption},
		{"megvii/notify-redelivery=redelivered", false, WithMegviiNotifyRedelivered()},
		{"megvii/notify-ack=any-2xx", true, WithMegviiNotifyAck(MegviiAckAny2xx)},
		{"megvii/notify-ack=success-body", false, WithMegviiNotifyAck(MegviiAckSuccess)},
		{"megvii/biz-fields=biz-info", true, WithMegviiResultBizFields(MegviiBizInfo)},
		{"megvii/biz-fields=biz-no-only", false, WithMegviiResultBizFields(MegviiBizNoOnly)},
		{"megvii/biz-fields=top-level", false, WithMegviiResultBizFields(MegviiBizTopLevel)},
		// Juhe.
		{"juhe/notify-format=post-form", true, WithJuheNotifyBody(JuheNotifyForm)},
		{"juhe/notify-format=post-multipart", false, WithJuheNotifyBody(JuheNotifyMultipart)},
		{"juhe/notify-format=post-json", false, WithJuheNotifyBody(JuheNotifyJSON)},
		{"juhe/notify-format=get-query", false, WithJuheNotifyMethod(http.MethodGet)},
		{"juhe/notify-fields=jh_order_id", true, WithJuheNotifySpelling(JuheSpellingSnake)},
		{"juhe/notify-fields=jhOrderId", false, WithJuheNotifySpelling(JuheSpellingCamel)},
		{"juhe/notify-fields=orderId", false, WithJuheNotifySpelling(JuheSpellingOrderID)},
		{"juhe/return-sign-input=decoded", true, noOption},
		{"juhe/return-sign-input=encoded", false, WithJuheSignEncoded()},
		{"juhe/return-sign-case=lower", true, noOption},
		{"juhe/return-sign-case=upper", false, WithJuheSignUpperHex()},
		{"juhe/unfinished-return=bare", true, noOption},
		{"juhe/unfinished-return=signed", false, WithJuheSignedUnfinishedReturn()},
		{"juhe/search-after-expiry=279307", true, noOption},
		{"juhe/search-after-expiry=279302", false, WithJuheOrdersForgotten()},
		// Jumdata.
		{"jumdata/product-code=exact", true, WithJumdataProductCode(DefaultJumdataProductCode)},
		{"jumdata/product-code=any", false, WithJumdataAnyProductCode()},
		{"jumdata/error-texts=texts", true, noOption},
		{"jumdata/error-texts=code-only", false, WithJumdataCodeOnlyErrors()},
		{"jumdata/sdk-encoding=both", true, WithJumdataSDKEncodings(JumdataSDKMultipart, JumdataSDKURLEncoded)},
		{"jumdata/sdk-encoding=multipart", false, WithJumdataSDKEncodings(JumdataSDKMultipart)},
		{"jumdata/sdk-encoding=urlencoded", false, WithJumdataSDKEncodings(JumdataSDKURLEncoded)},
		{"jumdata/rich-result=seed", true, noOption},
		{"jumdata/rich-result=rich", false, WithJumdataRichResults()},
		{"jumdata/gateway-errors=invalid-appcode-403", true, WithJumdataInvalidAppCodeStatus(http.StatusForbidden)},
		{"jumdata/gateway-errors=invalid-appcode-400", false, WithJumdataInvalidAppCodeStatus(http.StatusBadRequest)},
	}
	slices.SortFunc(rs, func(a, b Reading) int { return strings.Compare(a.Name, b.Name) })
	return rs
}

// ReadingOption returns the Option of the reading named name (see
// [Reading.Name]).
func ReadingOption(name string) (Option, bool) {
	for _, r := range Readings() {
		if r.Name == name {
			return r.Option, true
		}
	}
	return nil, false
}

// noOption states a default reading that no option needs to choose.
func noOption(*Sandbox) {}
