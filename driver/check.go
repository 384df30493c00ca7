// The input checks every vendor runs on what comes from outside (a
// caller's arguments and configuration, a callback's body, form or query)
// before a network call or a verification, each returning an
// ErrInvalidArgument that names the field.

package driver

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-liveness/liveness"
)

// Checker builds argument errors for one vendor operation.
type Checker struct {
	Vendor liveness.Vendor
	Op     string
}

// Fail returns the ErrInvalidArgument for field.
func (c Checker) Fail(field, msg string) *liveness.Error {
	return liveness.InvalidArgument(c.Vendor, c.Op, field, msg)
}

// Required fails when v is empty.
func (c Checker) Required(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return c.Fail(field, "is required")
	}
	return nil
}

// MaxBytes fails when v is longer than max bytes.
func (c Checker) MaxBytes(field, v string, max int) error {
	if len(v) > max {
		return c.Fail(field, "is "+strconv.Itoa(len(v))+" bytes, more than "+strconv.Itoa(max))
	}
	return nil
}

// HTTPURL fails unless v is an absolute http or https URL with a host.
func (c Checker) HTTPURL(field, v string) error {
	if v == "" {
		return c.Fail(field, "is required")
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c.Fail(field, "must be an absolute http(s) URL")
	}
	return nil
}

// OneOf fails unless v is one of allowed (an empty v passes when
// allowEmpty).
func (c Checker) OneOf(field, v string, allowEmpty bool, allowed ...string) error {
	if v == "" && allowEmpty {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return c.Fail(field, strconv.Quote(v)+" is not one of "+strings.Join(allowed, ", "))
}

// First returns the first non-nil error.
func First(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// DefaultMaxCallbackBytes caps a callback body: Megvii's notify with
// idcard_info is a few KB; nothing legitimate comes near 1 MiB.
const DefaultMaxCallbackBytes = 1 << 20

// ReadBody reads a callback body of at most max bytes; a larger body is
// ErrInvalidArgument and nothing beyond max+1 bytes is read. Whatever it
// reads it puts back: afterwards r.Body reads the same bytes again, so a
// handler after the callback's verification still finds the body.
func (c Checker) ReadBody(r *http.Request, max int64) ([]byte, error) {
	if r == nil {
		return nil, c.Fail("request", "is nil")
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	putBack(r, b)
	if err != nil {
		return nil, &liveness.Error{Vendor: c.Vendor, Op: c.Op, Kind: liveness.ErrInvalidArgument, Field: "body", Message: "cannot be read", Err: err}
	}
	if int64(len(b)) > max {
		return nil, c.Fail("body", "is larger than "+strconv.FormatInt(max, 10)+" bytes")
	}
	return b, nil
}

// Credential fails when v holds white space or control characters: a
// credential pasted with its newline fails every call far from the
// mistake, and some travel in headers. An empty v passes; use Required.
func (c Checker) Credential(field, v string) error {
	if strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return c.Fail(field, "contains white space or control characters")
	}
	return nil
}

// BaseURL returns v (def when empty) as a service base URL without a
// trailing slash: an absolute http(s) URL with no query, fragment or user
// info, since paths are appended to it.
func (c Checker) BaseURL(field, v, def string) (string, error) {
	if v == "" {
		v = def
	}
	if err := c.HTTPURL(field, v); err != nil {
		return "", err
	}
	u, _ := url.Parse(v) // HTTPURL has parsed it
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil {
		return "", c.Fail(field, "must not carry a query, a fragment or user info")
	}
	return strings.TrimRight(v, "/"), nil
}

// putBack replaces r.Body by a reader over read followed by what is left
// of the original body, closing the original when it is closed.
func putBack(r *http.Request, read []byte) {
	orig := r.Body
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(read), orig), orig}
}
