package sandbox

import (
	"slices"
	"strings"
)

// Reading is one way of reading a point the vendors' documents leave open,
// which the sandbox can play: VENDORS.md, at the repository's root, lists
// every such point (a "guess") with the readings considered, and each
// reading there is one of [Readings].
type Reading struct {
	// Name is "<vendor>/<entry>=<value>": the vendor, the guess entry as
	// VENDORS.md names it, and the reading's value, e.g.
	// "juhe/notify-format=post-json".
	Name string
	// Default reports whether the sandbox plays this reading when no
	// option chose another: where readings are ordered, the harshest.
	Default bool
	// Option makes the sandbox play the reading (for a default, it states
	// it explicitly).
	Option Option
}

// Readings returns every reading the sandbox can play, ordered by name:
// those of the plug-ins registered so far ([Register], [PluginReadings]). Pass r.Option to [New], or its name to
// the liveness command's "sandbox --reading".
func Readings() []Reading {
	var rs []Reading
	for _, p := range registered() {
		if pr, ok := p.(PluginReadings); ok {
			rs = append(rs, pr.Readings()...)
		}
	}
	slices.SortFunc(rs, func(a, b Reading) int { return strings.Compare(a.Name, b.Name) })
	return rs
}

// ReadingOption returns the Option of the reading named name (see
// [Reading.Name]).
func ReadingOption(name string) (Option, bool) {
	for _, r := range Readings() {
		if r.Name == name {
			return r.Option, true
		}
	}
	return nil, false
}
