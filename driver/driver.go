// Package driver is the implementer's side of go-liveness: what a vendor
// package declares about its vendor beyond the [liveness.Provider]
// interface, so that the code around providers — callback.Handler, the
// liveness command, the web app and the quickstart — learns a vendor by
// importing its package and never names it in a switch.
//
// A vendor package registers its [Profile] from init, beside its
// liveness.Register of the Open scheme:
//
//	func init() {
//		liveness.Register("acme", open)
//		driver.Register(driver.Profile{Vendor: Vendor, Title: "Acme H5 liveness", …})
//	}
//
// Users of the library need none of this package: they import the vendor
// package for its side effect and use the root package.
//
// # The kit
//
// Beside the profile, the package holds what every vendor package shares,
// for providers written outside this module as for its own: the input
// checks ([Checker]: an ErrInvalidArgument naming the field, before any
// network call), the reading of a callback's body or of the form a
// middleware parsed ([CallbackBody], [CallbackForm]), the vendor options
// of SessionRequest.Extra ([Extra]), the checks of a stored Session given
// back to BuildCheckURL ([StoredSession]), the HTTP status → sentinel
// mapping ([StatusKind], [StatusKind4xx]) and the liveness.Open plumbing
// ([OpenQuery], [ServiceURL], [Opened], [OpenError]). A vendor package
// keeps only vendor facts: its fields, codes and tables.
//
// A vendor without a Profile still works everywhere: the code around it
// then assumes the defaults each field documents (any callback method, no
// limit on the number of reads, results read only while the session lives,
// no vendor flags). A provider over several vendors (failover.Router,
// whose Vendor is "failover") has no profile: the code around it looks up
// each session's own vendor (Session.Vendor), and a request sent through
// it carries every field its members may use (Uses is true for a vendor
// without a profile).
package driver

import (
	"cmp"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-liveness/liveness"
)

// Profile is what the code around a provider needs to know about its
// vendor and cannot ask the provider: how its callbacks arrive, how often
// its results may be read, which request fields it uses, and how the
// liveness command sets its own options.
type Profile struct {
	// Vendor names the vendor, as its providers' Vendor method does.
	Vendor liveness.Vendor
	// Title is the vendor and product, for people: "Acme H5 liveness".
	Title string
	// OpenURLs are example liveness.Open URLs with placeholders, for help
	// texts: "acme://KEY:SECRET@api.acme.example".
	OpenURLs []string

	// ReturnMethods are the HTTP methods of the browser's return to the
	// service; nil allows GET, HEAD and POST.
	ReturnMethods []string
	// NotifyMethods are the HTTP methods of the vendor's server-to-server
	// notify. Nil allows GET and POST; NoNotify says the vendor sends
	// none.
	NotifyMethods []string
	// NoNotify says the vendor sends no notify: NotifyURL means nothing
	// to it, and a session ends only by a return or a read.
	NoNotify bool

	// Reads is how the vendor's results may be read.
	Reads ReadPolicy

	// Fields are the liveness.SessionRequest fields the vendor uses besides
	// ReturnURL and BizNo (which every vendor takes), by their Go names:
	// "NotifyURL", "UserID", "ReferenceImages", "Name", "IDNumber". The
	// liveness command refuses a flag setting a field none of its
	// vendors uses, rather than drop it.
	Fields []string
	// OptionalFields are the fields the vendor uses only when one of its
	// options asks for them (Alibaba Cloud's ReferenceImages, under its
	// PV_FV product): a caller that sends every field Uses names leaves
	// them out, and the liveness command takes them when a person gives
	// them (Takes).
	OptionalFields []string

	// Options are the vendor's own session options, as the liveness
	// command offers them: flag --<vendor>-<Name>.
	Options []Option
	// SessionOptions builds the vendor's liveness.SessionOptions from the
	// values given to Options, keyed by Option.Name (only those set); a
	// value it cannot use is an ErrInvalidArgument naming the field. Nil
	// when Options is empty.
	SessionOptions func(values map[string]string) (liveness.SessionOptions, error)

	// Claims reads what a callback says without verifying it, for display
	// only (liveness verify shows it beside "signature does not hold"):
	// target is the request's URL, body its body. ok is false when the
	// callback is not one of the vendor's. Nil when the vendor's callbacks
	// carry nothing to show.
	Claims func(target string, body []byte) (c Claims, ok bool)
}

// ReadPolicy is how the results of a vendor's sessions may be read: the
// limits the vendor sets, and the pace a caller polling for a result
// keeps.
type ReadPolicy struct {
	// Calls is the most result calls the vendor answers for one session,
	// in all, pending answers included; 0 is no limit. callback.Handler
	// never makes more, on every instance sharing its Store, and the
	// liveness command counts them.
	Calls int
	// Gap is the least time between two result calls of a session when
	// Calls is set (callback.Handler's pace, on its clock).
	Gap time.Duration
	// Retention is how long after the session started the vendor still
	// serves its result; 0 when the result is read only while the session
	// lives (until its ExpiresAt plus a grace).
	Retention time.Duration
	// Interval is the first interval of a caller polling for a result
	// (liveness result --wait), and when Calls is set the least it
	// accepts; 0 is 3 seconds.
	Interval time.Duration
}

// DefaultInterval is ReadPolicy.Interval when it is 0.
const DefaultInterval = 3 * time.Second

// PollInterval returns r.Interval, or DefaultInterval when it is 0.
func (r ReadPolicy) PollInterval() time.Duration {
	if r.Interval > 0 {
		return r.Interval
	}
	return DefaultInterval
}

// Option is one of a vendor's own session options, as the liveness
// command offers it.
type Option struct {
	// Name is the flag's name after the vendor's: "procedure" for
	// --acme-procedure.
	Name string
	// Usage is the flag's help, in the flag package's style (a `word` in
	// backquotes names the value).
	Usage string
	// Field is the field of the vendor's SessionOptions it sets, as the
	// vendor's ErrInvalidArgument names it: "Extra.ProcedureType".
	Field string
	// Words are the values shell completion offers; nil for free text.
	Words []string
	// File says the value may be long (a JSON document a browser
	// produced): the liveness command then also takes "@path" and passes
	// the file's content (at most MaxOptionFileBytes). SessionOptions
	// itself never reads a file: a frontend that takes text from people
	// must not turn it into a read of its own disk.
	File bool
}

// MaxOptionFileBytes caps the file an Option with File names.
const MaxOptionFileBytes = 64 << 10

// Claims is what an unverified callback says, for display only.
type Claims struct {
	// Session and BizNo are the session's ID and the service's reference,
	// as the callback claims them.
	Session, BizNo string
	// Claim is the verdict in the vendor's words: "status=OK liveness=PASS".
	Claim string
}

// optionName is the form of an Option's Name: a flag's tail.
var optionName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

var registry struct {
	sync.RWMutex
	m map[liveness.Vendor]Profile
}

// Register makes p known to the code around providers. Vendor packages
// call it from init. It panics if p names no vendor or its vendor is
// already registered: both are programming errors.
func Register(p Profile) {
	if p.Vendor == "" {
		panic("driver: Register of a profile naming no vendor")
	}
	if len(p.Options) > 0 && p.SessionOptions == nil {
		panic("driver: Register of " + string(p.Vendor) + ": Options without SessionOptions")
	}
	if p.NoNotify && len(p.NotifyMethods) > 0 {
		panic("driver: Register of " + string(p.Vendor) + ": NotifyMethods with NoNotify")
	}
	names := map[string]bool{}
	for _, o := range p.Options {
		if !optionName.MatchString(o.Name) || names[o.Name] {
			panic("driver: Register of " + string(p.Vendor) + ": option name " + strconv.Quote(o.Name) + " empty, repeated or not lower-case letters, digits and '-'")
		}
		names[o.Name] = true
	}
	p.ReturnMethods, p.NotifyMethods = slices.Clone(p.ReturnMethods), slices.Clone(p.NotifyMethods)
	p.Fields, p.Options, p.OpenURLs = slices.Clone(p.Fields), slices.Clone(p.Options), slices.Clone(p.OpenURLs)
	p.OptionalFields = slices.Clone(p.OptionalFields)
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[p.Vendor]; dup {
		panic("driver: Register called twice for vendor " + string(p.Vendor))
	}
	if registry.m == nil {
		registry.m = make(map[liveness.Vendor]Profile)
	}
	registry.m[p.Vendor] = p
}

// Lookup returns the registered profile of vendor.
func Lookup(vendor liveness.Vendor) (Profile, bool) {
	registry.RLock()
	defer registry.RUnlock()
	p, ok := registry.m[vendor]
	return p, ok
}

// Profiles returns every registered profile, by vendor name.
func Profiles() []Profile {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]Profile, 0, len(registry.m))
	for _, p := range registry.m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Profile) int { return cmp.Compare(a.Vendor, b.Vendor) })
	return out
}

// The methods assumed for a vendor that does not say.
var (
	anyReturn = []string{http.MethodGet, http.MethodHead, http.MethodPost}
	anyNotify = []string{http.MethodGet, http.MethodPost}
)

// ReturnMethodsOf returns the HTTP methods of vendor's returns: its
// profile's, or GET, HEAD and POST.
func ReturnMethodsOf(vendor liveness.Vendor) []string {
	if p, ok := Lookup(vendor); ok && len(p.ReturnMethods) > 0 {
		return p.ReturnMethods
	}
	return anyReturn
}

// NotifyMethodsOf returns the HTTP methods of vendor's notifies: its
// profile's, none when it sends none, or GET and POST.
func NotifyMethodsOf(vendor liveness.Vendor) []string {
	p, ok := Lookup(vendor)
	switch {
	case ok && p.NoNotify:
		return nil
	case ok && len(p.NotifyMethods) > 0:
		return p.NotifyMethods
	}
	return anyNotify
}

// ReadsOf returns vendor's read policy: its profile's, or the zero
// policy (no limit on the number of reads; results read only while the
// session lives).
func ReadsOf(vendor liveness.Vendor) ReadPolicy {
	p, _ := Lookup(vendor)
	return p.Reads
}

// Uses reports whether vendor uses the liveness.SessionRequest field
// (by Go name). ReturnURL and BizNo are used by every vendor; a vendor
// without a profile (a router over several, a vendor registered without
// one) is taken to use every field, so that no field a member needs is
// dropped: a caller that sends personal data only where it is used sends
// it to such a provider.
func Uses(vendor liveness.Vendor, field string) bool {
	if field == "ReturnURL" || field == "BizNo" {
		return true
	}
	p, ok := Lookup(vendor)
	if !ok {
		return true
	}
	if field == "NotifyURL" && p.NoNotify {
		return false
	}
	return slices.Contains(p.Fields, field)
}

// Takes reports whether vendor can take the liveness.SessionRequest field
// when a person gives it: Uses, or one of the profile's OptionalFields.
func Takes(vendor liveness.Vendor, field string) bool {
	if Uses(vendor, field) {
		return true
	}
	p, _ := Lookup(vendor)
	return slices.Contains(p.OptionalFields, field)
}
