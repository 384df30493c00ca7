package sandbox

import (
	"runtime"
	"testing"
	"time"
	"weak"
)

// The Jumdata readings are kept beside their Sandbox: an entry per
// sandbox that set one, gone once the sandbox is collected.
func TestJumdataReadingsLeaveWithTheirSandbox(t *testing.T) {
	sb := NewHandler(WithJumdataCodeOnlyErrors(), WithJumdataRichResults())
	k := weak.Make(sb)
	if rd := sb.jumdataReadings(); !rd.codeOnly || !rd.rich {
		t.Fatalf("readings %+v: an option lost", *rd)
	}
	if rd := NewHandler().jumdataReadings(); rd != &defaultJumdataReadings {
		t.Fatalf("a sandbox without readings plays %+v", *rd)
	}
	runtime.KeepAlive(sb)
	sb = nil
	for i := 0; i < 100; i++ {
		runtime.GC()
		if _, ok := jumdataReadingsOf.Load(k); !ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the readings of a collected sandbox are still held")
}
