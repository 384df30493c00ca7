package megvii

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkDecodePayload: DecodePayload on each recorded answer.
func BenchmarkDecodePayload(b *testing.B) {
	for _, name := range []string{"get_result_ok", "get_result_selfie", "get_result_not_started"} {
		dir := "testdata"
		if name == "get_result_ok" {
			dir = filepath.Join("megviitest", "testdata")
		}
		raw, err := os.ReadFile(filepath.Join(dir, name+".json"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run("answer="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodePayload(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
