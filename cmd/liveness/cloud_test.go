package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/driver"
	"github.com/go-liveness/liveness/sandbox"
)

// returningSandbox is a sandbox whose page sends the browser back after a
// pass of v: the default one, or one playing a reading of v under which
// it does (a vendor whose page, by default, sends it nowhere).
func returningSandbox(t *testing.T, v vendor) *sandbox.Sandbox {
	t.Helper()
	if !v.Outcomes[sandbox.OutcomePass].NoReturn {
		return newSandbox(t)
	}
	for name, re := range v.Readings {
		if want, ok := re.Outcomes[sandbox.OutcomePass]; ok && !want.NoReturn && re.Skip == "" {
			return newSandbox(t, readingOption(t, name))
		}
	}
	t.Fatalf("no reading of %s sends the browser back after a pass", v.name())
	return nil
}

// The vendors whose return is unsigned, through the command, registered
// by import only: init starts a session (a vendor without notify refuses
// --notify-url rather than drop it), the user passes it on the sandbox's
// page, verify reads the return (unsigned, exit 5: a trigger to fetch),
// and result --wait reads the pass.
func TestUnsignedReturnFlow(t *testing.T) {
	for _, v := range vendorsWhere(t, "a vendor not signing its return", func(v vendor) bool { return !v.SignedReturn }) {
		t.Run(v.name(), func(t *testing.T) {
			sb := returningSandbox(t, v)
			env := map[string]string{envProvider: sb.ProviderURL(v.id())}
			args := initArgs(v.id())
			if v.NoNotify {
				r := cli(t, env, "", append([]string{"init", "--json", "--notify-url", "https://shop.example/kyc/notify"}, args...)...)
				assert.Equal(t, exitUsage, r.code, r.stderr)
				assert.Contains(t, r.stderr, "flag --notify-url is for")
			}
			r := cli(t, env, "", append([]string{"init", "--json"}, args...)...)
			require.Equal(t, exitOK, r.code, r.stderr)
			var s liveness.Session
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &s))
			assert.Equal(t, v.id(), s.Vendor)
			assert.NotContains(t, r.stdout, sandbox.TestIDNumber, "the ID number is never printed in clear")

			c, err := sb.Complete(context.Background(), v.id(), s.ID, sandbox.OutcomePass)
			require.NoError(t, err)
			require.NotEmpty(t, c.ReturnURL)
			r = cli(t, env, "", "verify", "--json", c.ReturnURL)
			assert.Equal(t, exitUnsigned, r.code, r.stderr)
			assert.Contains(t, r.stdout, s.ID)

			r = cli(t, env, "", "result", "--wait", "--json", s.ID)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Contains(t, r.stdout, `"status": "passed"`)
		})
	}
}

// harnessValue is the value v's harness gives option o in its requests
// (the field of the request's Extra that o sets), or "".
func harnessValue(v vendor, o driver.Option) string {
	req := v.Request("https://shop.example/r", "https://shop.example/n")
	if req.Extra == nil {
		return ""
	}
	rv := reflect.Indirect(reflect.ValueOf(req.Extra))
	if rv.Kind() != reflect.Struct {
		return ""
	}
	f := rv.FieldByName(strings.TrimPrefix(o.Field, "Extra."))
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}

// An option whose value may be long (driver.Option.File: a JSON document
// a browser produced) may come from a file (--<vendor>-<name> @path): the
// command reads it, the provider never does. A missing file is a usage
// error naming the flag, and no session is made.
func TestOptionFromFile(t *testing.T) {
	sb := newSandbox(t)
	n := 0
	for _, v := range allVendors(t) {
		for _, o := range v.Options {
			if !o.File {
				continue
			}
			value := harnessValue(v, o)
			require.NotEmpty(t, value, "the harness of %s sets %s", v.name(), o.Field)
			n++
			t.Run(v.flag(o.Name), func(t *testing.T) {
				env := map[string]string{envProvider: sb.ProviderURL(v.id())}
				args := append([]string{"init", "--json"}, replace(initArgs(v.id()), "--biz-no", "ORDER0002FILE")...)
				path := filepath.Join(t.TempDir(), "value.json")
				require.NoError(t, os.WriteFile(path, []byte(value+"\n"), 0o600))
				r := cli(t, env, "", append(args, v.flag(o.Name), "@"+path)...)
				require.Equal(t, exitOK, r.code, r.stderr)

				before := len(sb.Sessions())
				r = cli(t, env, "", append(args[:len(args):len(args)], v.flag(o.Name), "@"+filepath.Join(t.TempDir(), "missing"))...)
				assert.Equal(t, exitUsage, r.code, r.stderr)
				assert.Contains(t, r.stderr, "flag "+v.flag(o.Name)+": ")
				assert.Equal(t, before, len(sb.Sessions()), "no session made")
			})
		}
	}
	assert.NotZero(t, n, "an option taking a file")
}

// A vendor using reference images only when one of its options asks for
// them (driver.Profile.OptionalFields): --ref-image is taken with the
// option's value that asks for it, and refused by the vendor, not
// dropped, without it, the refusal naming that value.
func TestOptionalReferenceImage(t *testing.T) {
	sb := newSandbox(t)
	img := filepath.Join(t.TempDir(), "face.jpg")
	require.NoError(t, os.WriteFile(img, sandbox.SampleFaceJPEG(), 0o600))
	for _, v := range vendorsWhere(t, "a vendor using reference images under an option", func(v vendor) bool {
		return slices.Contains(v.OptionalFields, "ReferenceImages")
	}) {
		t.Run(v.name(), func(t *testing.T) {
			env := map[string]string{envProvider: sb.ProviderURL(v.id())}
			var asking []string
			for _, o := range v.Options {
				for _, w := range o.Words {
					r := cli(t, env, "", "init", "--json", "--return-url", "https://shop.example/kyc/return", "--biz-no", "ORDER0003"+strings.ReplaceAll(w, "_", ""),
						v.flag(o.Name), w, "--ref-image", img)
					if r.code == exitOK {
						asking = append(asking, w)
					}
				}
			}
			require.NotEmpty(t, asking, "an option value asking for the image")
			// Without the option the image is refused by the vendor, not
			// dropped.
			r := cli(t, env, "", append([]string{"init", "--json", "--ref-image", img}, replace(initArgs(v.id()), "--biz-no", "ORDER0004")...)...)
			assert.NotEqual(t, exitOK, r.code, r.stdout)
			assert.True(t, slices.ContainsFunc(asking, func(w string) bool { return strings.Contains(r.stderr, w) }), "the refusal names %v: %s", asking, r.stderr)
		})
	}
}
