// Package jsonx holds JSON types for vendor answers that send numbers as
// strings, strings as numbers, or either as null: Juhe's "91.11730" scores,
// codes that are 200 in one answer and "200" in the next.
//
// Errors never quote the input, which is the vendor's answer and may hold
// anything, a secret included: they say only what kind of JSON value was
// found where another was wanted.
package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The errors the types return; none of them quotes the input.
var (
	errStringWanted  = errors.New("jsonx: want a string or number, got an object or array")
	errBadString     = errors.New("jsonx: want a string or number, got a malformed string")
	errNumberWanted  = errors.New("jsonx: want a number, got a value of another kind")
	errNotNumber     = errors.New("jsonx: want a number, got a string or token that is not one")
	errIntegerWanted = errors.New("jsonx: want an integer, got a value of another kind")
	errNotInteger    = errors.New("jsonx: want an integer, got a number or string that is not one")
)

// String accepts a JSON string, number or boolean (kept as its JSON text)
// and null (the empty string).
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(b []byte) error {
	*s = ""
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
	case len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && !bytes.ContainsAny(b[1:len(b)-1], `"\`) && utf8.Valid(b):
		// Without an escape, a string encoding/json has validated is the
		// bytes between its quotes: no second decoder (a decode state, a
		// validating scan), which the codes and scores of every answer
		// would otherwise each cost (see BENCHMARKS.md, plain decoding).
		*s = String(b[1 : len(b)-1])
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return errBadString
		}
		*s = String(v)
	case b[0] == '{' || b[0] == '[':
		return errStringWanted
	default:
		*s = String(b)
	}
	return nil
}

// Float accepts a JSON number or a string holding one; null and "" are 0.
type Float float64

// Value is *f, 0 for a nil f (a field the answer did not send).
func (f *Float) Value() float64 {
	if f == nil {
		return 0
	}
	return float64(*f)
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	t, err := numberText(b)
	if err != nil {
		*f = 0
		return errNumberWanted
	}
	if len(t) == 0 {
		*f = 0
		return nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		*f = 0
		return errNotNumber
	}
	*f = Float(v)
	return nil
}

// Int accepts a JSON integer or a string holding one; null and "" are 0.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	t, err := numberText(b)
	if err != nil {
		*n = 0
		return errIntegerWanted
	}
	if len(t) == 0 {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		// 1.462257765e9 and 200.0 are integers too.
		fv, ferr := strconv.ParseFloat(t, 64)
		if ferr != nil || fv != float64(int64(fv)) {
			*n = 0
			return errNotInteger
		}
		v = int64(fv)
	}
	*n = Int(v)
	return nil
}

// numberText returns the text of a number sent bare or quoted, as String
// reads it, trimmed: empty for null and "".
func numberText(b []byte) (string, error) {
	var s String
	if err := s.UnmarshalJSON(b); err != nil {
		return "", err
	}
	return strings.TrimSpace(string(s)), nil
}
