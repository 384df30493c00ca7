package sandbox

import (
	"net/http"
	"time"
)

// The health routes, for a sandbox run as a server (in a container, under
// an orchestrator). They are outside [ControlPrefix] because that is where
// probes look for them, and on no vendor's path.
const (
	// HealthPath answers 200 {"status":"ok"} while the process serves
	// HTTP: a liveness probe. It takes no lock, so a busy sandbox is not
	// restarted for being busy.
	HealthPath = "/healthz"
	// ReadyPath answers 200 {"status":"ready","sessions":N} when the
	// sandbox is serving and its state can be read and changed, and 503
	// with the status saying why not ("closed" after Close, "busy" when
	// its state stayed locked for a second): a readiness probe.
	ReadyPath = "/readyz"
)

// Health is the answer of HealthPath and ReadyPath.
type Health struct {
	// Status is "ok" (HealthPath), "ready", or why the sandbox is not
	// ready ("closed", "busy").
	Status string `json:"status"`
	// Sessions is how many sessions the sandbox holds (ReadyPath only).
	Sessions *int `json:"sessions,omitempty"`
}

// readyWait bounds how long ReadyPath waits for the sandbox's state.
const readyWait = time.Second

// serveHealth answers HealthPath: that it answers at all is the news.
func (s *Sandbox) serveHealth(w http.ResponseWriter, r *http.Request) {
	controlJSON(w, http.StatusOK, Health{Status: "ok"})
}

// serveReady answers ReadyPath. The state is usable when its lock can be
// taken: TryLock in a short loop rather than Lock, so that a wedged
// sandbox answers 503 within readyWait instead of holding the probe.
func (s *Sandbox) serveReady(w http.ResponseWriter, r *http.Request) {
	deadline := time.Now().Add(readyWait)
	for !s.mu.TryLock() {
		if time.Now().After(deadline) || r.Context().Err() != nil {
			controlJSON(w, http.StatusServiceUnavailable, Health{Status: "busy"})
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopped, n := s.stopped, len(s.sessions)
	s.mu.Unlock()
	if stopped {
		controlJSON(w, http.StatusServiceUnavailable, Health{Status: "closed"})
		return
	}
	controlJSON(w, http.StatusOK, Health{Status: "ready", Sessions: &n})
}
