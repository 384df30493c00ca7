package juhe

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkDecode: the one-pass envelope and search-result decoders on
// each recorded answer.
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"search_failed_certify", "search_pending"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name+".json"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run("answer="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var env envelope
				if err := decodeEnvelopeBytes(raw, &env); err != nil {
					b.Fatal(err)
				}
				var sr searchResult
				if err := decodeSearchResult(env.Result, &sr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
