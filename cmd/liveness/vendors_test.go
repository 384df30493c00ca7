package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/providertest"
	"github.com/go-liveness/liveness/sandbox"

	// The vendors' harnesses (each brings its vendor and its simulator):
	// the tests learn every vendor from them and from the vendors'
	// profiles, never by name.
	_ "github.com/go-liveness/liveness/aliyun/aliyuntest"
	_ "github.com/go-liveness/liveness/juhe/juhetest"
	_ "github.com/go-liveness/liveness/jumdata/jumdatatest"
	_ "github.com/go-liveness/liveness/megvii/megviitest"
	_ "github.com/go-liveness/liveness/tencent/tencenttest"
)

// A vendor of the tests: its harness and its profile.
type vendor struct {
	providertest.Harness
	driver.Profile
}

// allVendors returns every registered vendor, by name, each with its
// profile.
func allVendors(t *testing.T) []vendor {
	t.Helper()
	var out []vendor
	for _, h := range providertest.Registered() {
		p, ok := driver.Lookup(h.Vendor)
		require.True(t, ok, "%s has a driver profile", h.Vendor)
		out = append(out, vendor{h, p})
	}
	require.GreaterOrEqual(t, len(out), 3, "the registered vendors")
	return out
}

// vendorsWhere returns the registered vendors for which ok holds, and
// fails the test when there is none: a test selecting vendors by a fact
// never runs on nothing. what describes the fact for the failure.
func vendorsWhere(t *testing.T, what string, ok func(v vendor) bool) []vendor {
	t.Helper()
	var out []vendor
	for _, v := range allVendors(t) {
		if ok(v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no registered vendor is %s", what)
	}
	return out
}

// vendorWhere is the first of vendorsWhere.
func vendorWhere(t *testing.T, what string, ok func(v vendor) bool) vendor {
	t.Helper()
	return vendorsWhere(t, what, ok)[0]
}

// otherThan returns the first registered vendor that is none of vs and
// for which ok holds (nil: any).
func otherThan(t *testing.T, ok func(v vendor) bool, vs ...vendor) vendor {
	t.Helper()
	return vendorWhere(t, "another vendor", func(x vendor) bool {
		for _, v := range vs {
			if x.Harness.Vendor == v.Harness.Vendor {
				return false
			}
		}
		return ok == nil || ok(x)
	})
}

// budgeted is true for a vendor that answers only so many result calls
// per session, whose simulator counts them per session.
func budgeted(v vendor) bool { return v.Reads.Calls > 0 && v.ReadCalls != nil && v.ReadEndpoint != "" }

// name is the vendor's name as a string.
func (v vendor) name() string { return string(v.Harness.Vendor) }

// id is the vendor.
func (v vendor) id() liveness.Vendor { return v.Harness.Vendor }

// uses reports whether the vendor's profile uses the request field.
func (v vendor) uses(field string) bool { return slices.Contains(v.Fields, field) }

// flag is the command's flag of the vendor's option name.
func (v vendor) flag(option string) string { return "--" + v.name() + "-" + option }

// fieldArgs are the command's flags of the request fields a profile
// names (driver.Profile.Fields), and a value each takes.
var fieldArgs = map[string][]string{
	"NotifyURL": {"--notify-url", "https://shop.example/kyc/notify"},
	"UserID":    {"--user-id", "user-1"},
	"Name":      {"--name", sandbox.TestName},
	"IDNumber":  {"--id-number", sandbox.TestIDNumber},
}

// initArgs are the init flags a session of v needs: the return URL, the
// BizNo, and every field v's profile uses but its reference images.
func initArgs(v liveness.Vendor) []string {
	args := []string{"--return-url", "https://shop.example/kyc/return"}
	p, _ := driver.Lookup(v)
	if slices.Contains(p.Fields, "NotifyURL") {
		args = append(args, fieldArgs["NotifyURL"]...)
	}
	args = append(args, "--biz-no", "ORDER0001")
	for _, f := range p.Fields {
		if ff, ok := fieldArgs[f]; ok && f != "NotifyURL" {
			args = append(args, ff...)
		}
	}
	return args
}

// usersOf is how the command names the vendors using field in a refusal:
// "a, b or c", by name.
func usersOf(field string) string {
	var names []string
	for _, p := range driver.Profiles() {
		if slices.Contains(p.Fields, field) || slices.Contains(p.OptionalFields, field) {
			names = append(names, string(p.Vendor))
		}
	}
	slices.Sort(names)
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
