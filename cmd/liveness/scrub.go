package main

import (
	"io"
	"net/url"
	"strings"
	"sync"

	"github.com/go-liveness/liveness/internal/transport"
	"github.com/go-liveness/liveness/sandbox"
)

// scrubber removes the provider URL's credentials from every byte the
// command writes. The library already keeps them out of its errors; this
// is the command's own guarantee, whatever a vendor echoes or a future
// message quotes. The matching is the library's: a transport.Redactor, so
// every form it knows (escaped, hex, base64 at any alignment, any case, any
// window of MinPrefix characters of a long secret) is caught here too.
type scrubber struct {
	mu sync.Mutex
	// secrets are the credentials recorded so far; urls are the whole
	// provider URLs, removed only where they appear whole (their scheme
	// and host are no secrets).
	secrets, urls []string
	red           *transport.Redactor // nil until something is recorded
}

// minSecret is the shortest value replaced: shorter ones would mangle
// ordinary words.
const minSecret = 6

// addURL records the credentials of a liveness.Open URL: the user name and
// password, every query value that is not a URL, and those of the nested
// provider URLs of a failover URL. The URL itself is removed where it
// appears whole.
func (s *scrubber) addURL(raw string) {
	s.addWhole(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	if u.User != nil {
		s.add(u.User.Username())
		if pw, ok := u.User.Password(); ok {
			s.add(pw)
		}
	}
	q, _ := url.ParseQuery(u.RawQuery)
	for k, vs := range q {
		for _, v := range vs {
			switch {
			case k == "p":
				inner, _, _ := strings.Cut(v, "#")
				s.addURL(inner)
			case !strings.Contains(v, "://"):
				s.add(v)
			}
		}
	}
}

func (s *scrubber) add(v string) {
	if len(v) < minSecret {
		return
	}
	if publicCredential(v) {
		s.addWhole(v)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = append(s.secrets, v)
	s.red = transport.NewRedactor(s.secrets...).WithWhole(s.urls...)
}

// publicCredential reports whether v is one of the sandbox's credentials.
// They are published constants, not secrets, and share words with the
// command's flag names (--VENDOR-*): matching their windows would mangle
// every usage error of a session run against the sandbox, so they are
// removed only where one of their forms appears whole.
func publicCredential(v string) bool { return sandboxCredentials()[v] }

// sandboxCredentials are the credentials in the provider URLs of the
// simulators the sandbox serves (sandbox.ProviderURLs): their user names,
// passwords and query values that are not URLs, as addURL records them.
var sandboxCredentials = sync.OnceValue(func() map[string]bool {
	sb := sandbox.NewHandler()
	defer func() { _ = sb.Close() }()
	sb.URL = "http://127.0.0.1"
	out := map[string]bool{}
	for _, raw := range sb.ProviderURLs() {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if u.User != nil {
			out[u.User.Username()] = true
			if pw, ok := u.User.Password(); ok {
				out[pw] = true
			}
		}
		q, _ := url.ParseQuery(u.RawQuery)
		for _, vs := range q {
			for _, v := range vs {
				if len(v) >= minSecret && !strings.Contains(v, "://") {
					out[v] = true
				}
			}
		}
	}
	delete(out, "")
	return out
})

func (s *scrubber) addWhole(v string) {
	if len(v) < minSecret {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.urls = append(s.urls, v)
	s.red = transport.NewRedactor(s.secrets...).WithWhole(s.urls...)
}

func (s *scrubber) clean(p []byte) []byte {
	s.mu.Lock()
	red := s.red
	s.mu.Unlock()
	if red == nil {
		return p
	}
	return []byte(red.String(string(p)))
}

// wrap returns w with the secrets removed from every write.
func (s *scrubber) wrap(w io.Writer) io.Writer { return &scrubWriter{s: s, w: w} }

type scrubWriter struct {
	s *scrubber
	w io.Writer
}

func (sw *scrubWriter) Write(p []byte) (int, error) {
	if _, err := sw.w.Write(sw.s.clean(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// unwrap returns the writer under a scrubWriter, for terminal detection.
func unwrap(w io.Writer) io.Writer {
	if sw, ok := w.(*scrubWriter); ok {
		return sw.w
	}
	return w
}
