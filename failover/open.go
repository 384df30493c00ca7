package failover

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-liveness/liveness"
)

// Scheme is the liveness.Open scheme of a router.
const Scheme = "failover"

func init() { liveness.Register(Scheme, open) }

// open builds a Router from "failover://?p=<escaped URL>&p=…&weights=70,30&threshold=5&cooldown=30s";
// the package documentation describes the form. No error quotes any part
// of the URL: every p holds credentials.
func open(u *url.URL, opts ...liveness.Option) (liveness.Provider, error) {
	fail := func(field, msg string) error { return liveness.InvalidArgument(Vendor, "Open", field, msg) }
	if u == nil {
		return nil, fail("url", "is nil")
	}
	if u.Opaque != "" || u.User != nil || u.Host != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return nil, fail("url", "must be failover://?p=URL&p=URL (each provider URL query-escaped)")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fail("url", "malformed query")
	}
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	var cfg Config
	for _, k := range names {
		switch k {
		case "p":
		case "threshold", "cooldown", "weights":
			if len(q[k]) != 1 {
				return nil, fail(k, "must be given once")
			}
		default:
			// Not quoted: it may be a credential pasted without its name.
			return nil, fail("url", "unknown query parameter, name not shown (failover accepts p, weights, threshold, cooldown)")
		}
	}
	if v, ok := q["threshold"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > 1000 {
			return nil, fail("threshold", "must be a whole number from 1 to 1000")
		}
		cfg.FailureThreshold = n
	}
	if v, ok := q["cooldown"]; ok {
		d, err := time.ParseDuration(v[0])
		if err != nil || d <= 0 {
			return nil, fail("cooldown", "must be a positive Go duration such as 30s")
		}
		cfg.Cooldown = d
	}
	ps := q["p"]
	if len(ps) == 0 {
		return nil, fail("p", "is missing: give one p=URL per provider, in order of preference")
	}
	var weights []int
	if v, ok := q["weights"]; ok {
		ws := strings.Split(v[0], ",")
		if len(ws) != len(ps) {
			return nil, fail("weights", "must give one weight per p, in the same order, separated by commas")
		}
		for i, w := range ws {
			// ParseUint takes no sign, space or fraction.
			n, err := strconv.ParseUint(w, 10, 64)
			if err != nil || n > MaxWeight {
				return nil, fail("weights["+strconv.Itoa(i)+"]", "must be a whole number from 0 to "+strconv.Itoa(MaxWeight))
			}
			weights = append(weights, int(n))
		}
	}
	seen := map[string]bool{}
	for i, raw := range ps {
		field := "p[" + strconv.Itoa(i) + "]"
		inner, name, _ := strings.Cut(raw, "#")
		if s, _, _ := strings.Cut(inner, ":"); strings.EqualFold(s, Scheme) {
			return nil, fail(field, "is a failover URL; routers do not nest")
		}
		if name != "" && !nameRe.MatchString(name) {
			return nil, fail(field, "has a fragment that is no route name (1 to 32 of a-z, 0-9, '-' and '_')")
		}
		p, err := liveness.Open(inner, opts...)
		if err != nil {
			// liveness.Open removed the provider URL's credentials from
			// its error; only its message is kept.
			return nil, fail(field, strings.TrimPrefix(err.Error(), "liveness: "))
		}
		if name == "" {
			name = string(p.Vendor())
		}
		if seen[name] {
			return nil, fail(field, "is a second provider named "+strconv.Quote(name)+": name each with a fragment ("+string(p.Vendor())+"://…#backup)")
		}
		seen[name] = true
		m := Member{Name: name, Provider: p}
		if weights != nil {
			m.Weight = weights[i]
		}
		cfg.Providers = append(cfg.Providers, m)
	}
	r, err := build(cfg, "Open", opts)
	if err != nil {
		return nil, err
	}
	return r, nil
}
