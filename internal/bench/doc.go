// Package bench holds the module's performance benchmarks (in its test
// files): every provider path next to a hand-written net/http baseline that
// sends the same requests and decodes the same recorded answers, measured in
// the same run. See BENCHMARKS.md at the module root for the results and the
// command that reproduces them.
package bench
