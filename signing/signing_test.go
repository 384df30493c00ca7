package signing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness/signing"
)

// The expected digests below were computed with coreutils, e.g.
// printf %s 'abc' | sha1sum, never with the code under test.

// Jumdata's documented signing example (the SDK v1 document, 活体检测SDK-V1).
const (
	docAppID     = "xyzxy2121zxyz"
	docAppSecret = "efcefcef1121cefcefc1212121"
	docTimestamp = "1555378976238"
	docSign      = "6ddcdc405743c576cb6d34b17b47ed56e2b9b6670fae1fe85ed01244fd31558b"
)

const (
	juheResponse = `{"error_code":0,"reason":"SUCCESS","result":{"passed":"T","jh_order_id":"JH79320240517095231mUzn9"}}`
	megviiData   = `{"status":"OK","biz_info":{"biz_id":"1462259748,52b13fb5-8dfb-4537-a62b-a641d5e929f1","biz_no":"cc47190f-5502-44a2-ab74-ea4f0f649f61"}}`
)

func TestVendorSchemes(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"jumdata matches the documented example", signing.Jumdata(docAppID, docAppSecret, docTimestamp), docSign},
		{"juhe hashes the response before the key", signing.Juhe(juheResponse, "test-key"), "69d9ad50f466ec9081f8dd65de9f4c18"},
		{"megvii hashes the secret before the data", signing.Megvii("test-secret", megviiData), "52569f23f6f64ec20e42ef20d17e364f2b899886"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
}

func TestJumdataTimestamp(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"formats the documented example in milliseconds", time.Date(2019, 4, 16, 1, 42, 56, 238_000_000, time.UTC), docTimestamp},
		{"ignores the time zone", time.Date(2019, 4, 16, 9, 42, 56, 238_000_000, time.FixedZone("CST", 8*3600)), docTimestamp},
		{"truncates sub-millisecond precision", time.Date(2019, 4, 16, 1, 42, 56, 238_999_999, time.UTC), docTimestamp},
		{"formats the epoch as zero", time.Unix(0, 0), "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, signing.JumdataTimestamp(tt.in))
		})
	}
}

func TestEqual(t *testing.T) {
	const d = "d41d8cd98f00b204e9800998ecf8427e"
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"same digest matches", d, d, true},
		{"upper case matches lower case", strings.ToUpper(d), d, true},
		{"mixed case matches", "D41D8cd98f00b204e9800998ecf8427E", d, true},
		{"different digest does not match", d, "900150983cd24fb0d6963f7d28e17f72", false},
		{"shorter digest does not match", d[:30], d, false},
		{"longer digest does not match", d + "00", d, false},
		{"odd length does not match", d[:31], d[:31], false},
		{"non-hex does not match", "zz1d8cd98f00b204e9800998ecf8427e", "zz1d8cd98f00b204e9800998ecf8427e", false},
		{"surrounding space does not match", " " + d, d, false},
		{"empty first does not match", "", d, false},
		{"empty second does not match", d, "", false},
		{"both empty do not match", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, signing.Equal(tt.a, tt.b))
			assert.Equal(t, tt.want, signing.Equal(tt.b, tt.a), "Equal must be symmetric")
		})
	}
}

func BenchmarkMegvii(b *testing.B) {
	data := strings.Repeat(megviiData, 32)
	b.ReportAllocs()
	for b.Loop() {
		signing.Megvii("test-secret", data)
	}
}
