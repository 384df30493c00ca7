package aliyun_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/aliyun"
	"github.com/go-liveness/liveness/aliyun/aliyunsim"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/sandbox"
)

func TestOpen(t *testing.T) {
	sb, _ := newSandbox(t)
	p, err := liveness.Open(sb.ProviderURL(aliyun.Vendor))
	require.NoError(t, err)
	r := request()
	r.Extra = nil
	s, err := p.InitSession(ctx, r)
	require.NoError(t, err, "the sandbox's provider URL opens a provider it serves, with its MetaInfo for requests without one")
	assert.True(t, strings.HasPrefix(s.CheckURL, sb.URL))

	p, err = liveness.Open("aliyun://LTAI5tKey:S3cr3tValue9@?scene_id=1000000006&product_code=PV_FV")
	require.NoError(t, err)
	assert.Equal(t, aliyun.Vendor, p.Vendor())

	for _, bad := range []string{
		"aliyun://LTAI5tKey:S3cr3tValue9@?scene_id=0",
		"aliyun://LTAI5tKey:S3cr3tValue9@",
		"aliyun://LTAI5tKey@?scene_id=1",
		"aliyun://:S3cr3tValue9@?scene_id=1",
		"aliyun://LTAI5tKey:S3cr3tValue9@?scene_id=1&region=cn-shanghai",
		"aliyun://LTAI5tKey:S3cr3tValue9@?scene_id=1&scheme=ftp",
		"aliyun://LTAI5tKey:S3cr3tValue9@?scene_id=1#frag",
		"aliyun://LTAI5tKey:S3cr3tValue9@?scene_id=1&meta_info=zimVer",
	} {
		p, err := liveness.Open(bad)
		assert.Nil(t, p, bad)
		assert.ErrorIs(t, err, liveness.ErrInvalidArgument, bad)
		assert.NotContains(t, err.Error(), "S3cr3tValue9", "errors never quote the URL")
	}
}

func TestNew(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg   aliyun.Config
		field string
	}{
		"no key":                  {aliyun.Config{AccessKeySecret: "s", SceneID: 1}, "AccessKeyID"},
		"no secret":               {aliyun.Config{AccessKeyID: "k", SceneID: 1}, "AccessKeySecret"},
		"a secret with a newline": {aliyun.Config{AccessKeyID: "k", AccessKeySecret: "s\n", SceneID: 1}, "AccessKeySecret"},
		"no scene":                {aliyun.Config{AccessKeyID: "k", AccessKeySecret: "s"}, "SceneID"},
		"a bad region":            {aliyun.Config{AccessKeyID: "k", AccessKeySecret: "s", SceneID: 1, Region: "cn shanghai"}, "Region"},
		"a bad base":              {aliyun.Config{AccessKeyID: "k", AccessKeySecret: "s", SceneID: 1, BaseURL: "https://x/?a=1"}, "BaseURL"},
		"a bad product":           {aliyun.Config{AccessKeyID: "k", AccessKeySecret: "s", SceneID: 1, ProductCode: "LR_FR"}, "ProductCode"},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := aliyun.New(tc.cfg)
			assert.Nil(t, p)
			assertInvalid(t, err, tc.field)
		})
	}
	_, err := aliyun.New(aliyun.Config{AccessKeyID: "k", AccessKeySecret: "s", SceneID: 1, Region: "cn-shanghai"})
	assert.NoError(t, err)
	assert.Equal(t, "https://cloudauth.cn-shanghai.aliyuncs.com", aliyun.RegionBaseURL("cn-shanghai"))
}

// The profile: the liveness command's options, MetaInfo from a file, the
// claims of a callback.
func TestProfile(t *testing.T) {
	prof, ok := driver.Lookup(aliyun.Vendor)
	require.True(t, ok)
	assert.True(t, driver.Uses(aliyun.Vendor, "IDNumber"))
	o, err := prof.SessionOptions(map[string]string{"meta-info": " " + aliyunsim.MetaInfo + "\n", "model": "MOVE_ACTION"})
	require.NoError(t, err)
	assert.Equal(t, &aliyun.SessionOptions{MetaInfo: aliyunsim.MetaInfo, Model: "MOVE_ACTION"}, o)
	// SessionOptions reads no file: "@path" is the liveness command's.
	o, err = prof.SessionOptions(map[string]string{"meta-info": "@/etc/passwd"})
	require.NoError(t, err)
	assert.Equal(t, "@/etc/passwd", o.(*aliyun.SessionOptions).MetaInfo)
	assert.True(t, prof.Options[slices.IndexFunc(prof.Options, func(o driver.Option) bool { return o.Name == "meta-info" })].File)

	c, ok := prof.Claims("https://shop.example/notify?certifyId=abc&outerOrderNo=o1&passed=200", nil)
	assert.True(t, ok)
	assert.Equal(t, driver.Claims{Session: "abc", BizNo: "o1", Claim: "passed=200"}, c)
	c, ok = prof.Claims("https://shop.example/return?response=%7B%22extInfo%22%3A%7B%22certifyId%22%3A%22abc%22%7D%7D", nil)
	assert.True(t, ok)
	assert.Equal(t, "abc", c.Session)
	for _, other := range []string{
		"https://shop.example/return",
		"https://shop.example/return?response=%7B%7D",
		"https://shop.example/return?response=not-json",
		// Juhe's signed return carries a response too.
		"https://shop.example/return?response=%7B%22result%22%3A%7B%22jh_order_id%22%3A%22JH1%22%7D%7D&sign=00",
		"https://shop.example/notify?certifyId=",
	} {
		_, ok = prof.Claims(other, nil)
		assert.False(t, ok, other)
	}
}

// What the code around providers does with any vendor (the quickstart,
// the web app): open the sandbox's provider URL, send only the fields the
// profile says the vendor uses and no vendor options, press pass, resolve.
func TestGenericFlow(t *testing.T) {
	sb, _ := newSandbox(t)
	p, err := liveness.Open(sb.ProviderURL(aliyun.Vendor))
	require.NoError(t, err)
	r := &liveness.SessionRequest{ReturnURL: "https://shop.example/return", BizNo: "QS17650000000001"}
	all := map[string]func(){
		"NotifyURL":       func() { r.NotifyURL = "https://shop.example/notify" },
		"UserID":          func() { r.UserID = "user-42" },
		"Name":            func() { r.Name = sandbox.TestName },
		"IDNumber":        func() { r.IDNumber = sandbox.TestIDNumber },
		"ReferenceImages": func() { r.ReferenceImages = [][]byte{sandbox.SampleFaceJPEG()} },
	}
	for field, set := range all {
		if driver.Uses(aliyun.Vendor, field) {
			set()
		}
	}
	s, err := p.InitSession(ctx, r)
	require.NoError(t, err)
	_, err = sb.Complete(ctx, aliyun.Vendor, s.ID, sandbox.OutcomePass)
	require.NoError(t, err)
	res, err := p.FetchResult(ctx, s.ID)
	require.NoError(t, err)
	assert.True(t, res.Passed())
}
