package aliyun

import (
	"net/url"
	"strconv"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
)

func init() { liveness.Register("aliyun", open) }

// open builds a Provider from an
// "aliyun://AKID:SECRET@host?scene_id=…&product_code=…&scheme=http&meta_info=…" URL for
// liveness.Open; the package doc describes the form. Parameters are
// checked by name, so that a typo is an error, not a silent default.
func open(u *url.URL, opts ...liveness.Option) (liveness.Provider, error) {
	c := driver.Checker{Vendor: Vendor, Op: driver.OpenOp}
	if u == nil {
		return nil, c.Fail("url", "is nil")
	}
	params, err := driver.OpenQuery(c, u, "scene_id", "product_code", "scheme", "meta_info")
	if err != nil {
		return nil, err
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, c.Fail("access_key_id", "missing from the URL (aliyun://AKID:SECRET@host)")
	}
	secret, has := u.User.Password()
	if !has || secret == "" {
		return nil, c.Fail("access_key_secret", "missing from the URL (aliyun://AKID:SECRET@host)")
	}
	scene, err := strconv.ParseInt(params["scene_id"], 10, 64)
	if err != nil || scene <= 0 {
		return nil, c.Fail("scene_id", "is required: the console's scene ID, a positive number")
	}
	base, err := driver.ServiceURL(c, u, "cloudauth.aliyuncs.com", params)
	if err != nil {
		return nil, err
	}
	p, err := New(Config{AccessKeyID: u.User.Username(), AccessKeySecret: secret, SceneID: scene,
		ProductCode: params["product_code"], BaseURL: base, DefaultMetaInfo: params["meta_info"]}, opts...)
	return driver.Opened(Vendor, p, err)
}
