package failover

// SetIntN replaces the random source of r's weighted draws: f(n) must
// return a number in [0, n). Set it before r is used.
func SetIntN(r *Router, f func(n int) int) { r.intN = f }
