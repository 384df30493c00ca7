package sandbox

import (
	"github.com/go-liveness/liveness/juhe"
	"github.com/go-liveness/liveness/jumdata"
	"github.com/go-liveness/liveness/megvii"
)

// Config helpers: ready provider configurations pointing at this sandbox
// with its credentials. Call them after New (or after ListenAndServe has
// started), when URL is known.

// JuheConfig returns a juhe.Config for this sandbox.
func (s *Sandbox) JuheConfig() juhe.Config {
	return juhe.Config{Key: JuheKey, BaseURL: s.URL}
}

// JumdataConfig returns a jumdata.Config for this sandbox on the direct
// channel (AppID, AppSecret, sha256 sign).
func (s *Sandbox) JumdataConfig() jumdata.Config {
	return jumdata.Config{AppID: JumdataAppID, AppSecret: JumdataAppSecret, InitURL: s.URL + jumdataInitPath,
		ResultURL: s.URL + jumdataResultPath, PageURL: s.URL + jumdataPagePath, SDKCheckURL: s.URL + jumdataSDKPath}
}

// JumdataAppCodeConfig returns a jumdata.Config for this sandbox on the
// cloud-market channel (Authorization: APPCODE). The SDK check is not
// offered on that channel.
func (s *Sandbox) JumdataAppCodeConfig() jumdata.Config {
	return jumdata.Config{AppCode: JumdataAppCode, InitURL: s.URL + jumdataInitPath,
		ResultURL: s.URL + jumdataResultPath, PageURL: s.URL + jumdataPagePath}
}

// MegviiConfig returns a megvii.Config for this sandbox. AllowAnyNotifyPort
// is set: your local notify receiver is not on Megvii's whitelisted ports.
func (s *Sandbox) MegviiConfig() megvii.Config {
	return megvii.Config{APIKey: MegviiAPIKey, APISecret: MegviiAPISecret, BaseURL: s.URL, AllowAnyNotifyPort: true}
}
