// Package bench holds the module's performance benchmarks (in its test
// files): every provider path next to a hand-written net/http baseline that
// sends the same requests and decodes the same recorded answers, measured in
// the same run. It names no vendor: it runs every registered vendor
// (providertest.Registered), each provider opened from the sandbox's
// provider URL, and learns the baseline, the vendor's documented answers
// and its signed callback from the harness (providertest.Baseline). See
// BENCHMARKS.md at the module root for the results and the command that
// reproduces them.
package bench
