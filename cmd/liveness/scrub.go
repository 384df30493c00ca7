package main

import (
	"encoding/base64"
	"io"
	"net/url"
	"strings"
	"sync"
)

// scrubber removes the provider URL's credentials from every byte the
// command writes. The library already keeps them out of its errors; this
// is the command's own guarantee, whatever a vendor echoes or a future
// message quotes.
type scrubber struct {
	mu      sync.Mutex
	secrets []string
}

// minSecret is the shortest value replaced: shorter ones would mangle
// ordinary words.
const minSecret = 6

// addURL records the credentials of a liveness.Open URL: the user name and
// password, every query value that is not a URL, and those of the nested
// provider URLs of a failover URL.
func (s *scrubber) addURL(raw string) {
	s.add(raw)
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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = append(s.secrets, v, url.QueryEscape(v), url.PathEscape(v), base64.StdEncoding.EncodeToString([]byte(v)),
		base64.RawURLEncoding.EncodeToString([]byte(v)))
}

func (s *scrubber) clean(p []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.secrets) == 0 {
		return p
	}
	out := string(p)
	for _, v := range s.secrets {
		out = strings.ReplaceAll(out, v, "REDACTED")
	}
	return []byte(out)
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
