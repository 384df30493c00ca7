package sandbox

import "net/url"

// The Juhe and Jumdata simulators read their forms with r.ParseForm;
// what is left here serves Megvii's (megvii.go).

// queryValues returns Get of url.ParseQuery(raw) with its error ignored,
// as r.URL.Query().Get reads a query.
func queryValues(raw string) func(k string) string {
	q, _ := url.ParseQuery(raw)
	return q.Get
}
