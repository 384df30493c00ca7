package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
)

// A walker over JSON that encoding/json (or json.Valid) has already
// validated: it finds each member's key and value in place, without
// decoding, so that a decoder can read each value once with the rules of
// encoding/json. Nothing here checks the syntax: call it on validated
// bytes only.

var errBadKey = errors.New("jsonx: malformed key")

// ErrWantObject is the error of Object and Map for a value that is not an
// object. Its text names no package: a decoder puts it after the name of
// the field that held the value.
var ErrWantObject = errors.New("want an object")

// ErrNotJSON is the error of Top for bytes that are not one JSON value.
var ErrNotJSON = errors.New("not valid JSON")

// Top validates b (json.Valid) and returns its one value without the
// white space around it: the start of a one-pass decode. Bytes that are
// not exactly one JSON value are ErrNotJSON.
func Top(b []byte) ([]byte, error) {
	if !json.Valid(b) {
		return nil, ErrNotJSON
	}
	v := b[WSEnd(b, 0):]
	return v[:ValueEnd(v, 0)], nil
}

// TopObject decodes b, a whole answer, the way json.Unmarshal decodes one
// into a struct: Top, then null decodes to nothing and an object is walked
// with Object (fields and fn as there); any other value is ErrWantObject.
func TopObject(b []byte, fields []string, fn func(i int, val []byte) error) error {
	v, err := Top(b)
	if err != nil {
		return err
	}
	if IsNull(v) {
		return nil
	}
	return Object(v, fields, fn)
}

// WSEnd returns the index of the first non-space byte of b from i.
func WSEnd(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// ValueEnd returns the index just past the value starting at b[i], in
// validated JSON.
func ValueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	default:
		for ; i < len(b); i++ {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
		}
		return i
	}
}

// Members walks the members of an object or the elements of an array of
// validated JSON; b starts with '{' or '['.
type Members struct {
	b []byte
	i int
}

// Walk starts walking b, an object or array of validated JSON.
func Walk(b []byte) Members { return Members{b: b, i: 1} }

// Next returns the next key (with its quotes; nil in an array) and value.
func (m *Members) Next() (key, val []byte, ok bool) {
	i := WSEnd(m.b, m.i)
	if i >= len(m.b) || m.b[i] == '}' || m.b[i] == ']' {
		return nil, nil, false
	}
	if m.b[i] == ',' {
		i = WSEnd(m.b, i+1)
	}
	if m.b[0] == '{' {
		e := stringEnd(m.b, i)
		key = m.b[i:e]
		i = WSEnd(m.b, WSEnd(m.b, e)+1) // past the colon
	}
	e := ValueEnd(m.b, i)
	m.i = e
	return key, m.b[i:e], true
}

// IsNull reports whether the value v is null.
func IsNull(v []byte) bool { return v[0] == 'n' }

// FieldIndex returns the index in names of the struct field the key
// selects, the way encoding/json matches them (exactly, then
// case-insensitively), or -1.
func FieldIndex(key []byte, names []string) (int, error) {
	in := key[1 : len(key)-1]
	if bytes.IndexByte(in, '\\') >= 0 {
		var s string
		if json.Unmarshal(key, &s) != nil {
			return -1, errBadKey
		}
		in = []byte(s)
	}
	for i, n := range names {
		if string(in) == n {
			return i, nil
		}
	}
	for i, n := range names {
		if bytes.EqualFold(in, []byte(n)) {
			return i, nil
		}
	}
	return -1, nil
}

// Map calls fn with the key (with its quotes) and the value of each
// member of v, a value of validated JSON, in order, until fn returns an
// error, which Map returns. A value other than an object, null included,
// is ErrWantObject: null means something else to each caller.
func Map(v []byte, fn func(key, val []byte) error) error {
	if v[0] != '{' {
		return ErrWantObject
	}
	for m := Walk(v); ; {
		key, val, ok := m.Next()
		if !ok {
			return nil
		}
		if err := fn(key, val); err != nil {
			return err
		}
	}
}

// Object is Map for an object read into a struct whose fields are named
// by fields: it calls fn with the index FieldIndex finds for each key (-1
// for a key of no field; the last of duplicate keys comes last) and the
// value. A key FieldIndex cannot read stops it with that error.
func Object(v []byte, fields []string, fn func(i int, val []byte) error) error {
	return Map(v, func(key, val []byte) error {
		i, err := FieldIndex(key, fields)
		if err != nil {
			return err
		}
		return fn(i, val)
	})
}
