package sandbox_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/go-liveness/liveness/sandbox"
)

// TestCloseReportsNoError: Close of a listening sandbox returns nil, however
// its listener's Accept and the shutdown interleave (a spurious "use of
// closed network connection" once made a load test fail at random).
func TestCloseReportsNoError(t *testing.T) {
	for i := range 200 {
		sb, err := sandbox.New()
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			resp, err := http.Get(sb.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		if err := sb.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i, err)
		}
		if err := sb.Close(); err != nil {
			t.Fatalf("second Close #%d: %v", i, err)
		}
	}
}
