package jsonx_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness/internal/jsonx"
)

var fields = []string{"status", "biz_id", "Mixed"}

// TestObject: the index and value of each member, in order, or the error
// that stops the walk.
func TestObject(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // "index=value", in the order fn saw them
		err      error    // nil: no error; errAny: an error of FieldIndex
	}{
		{name: "empty", in: `{}`},
		{name: "fields and unknown", in: `{"status":"OK", "x":[1,{"a":"}"}] ,"biz_id":null}`,
			want: []string{`0="OK"`, `-1=[1,{"a":"}"}]`, `1=null`}},
		{name: "duplicate keys in order", in: `{"status":1,"status":2}`, want: []string{"0=1", "0=2"}},
		{name: "case-insensitive", in: `{"STATUS":1,"Biz_ID":2,"mixed":3,"ſtatus":4}`,
			want: []string{"0=1", "1=2", "2=3", "0=4"}},
		{name: "escaped key", in: `{"st\u0061tus":true}`, want: []string{"0=true"}},
		{name: "array", in: `[1]`, err: jsonx.ErrWantObject},
		{name: "string", in: `"{}"`, err: jsonx.ErrWantObject},
		{name: "number", in: `1`, err: jsonx.ErrWantObject},
		{name: "null", in: `null`, err: jsonx.ErrWantObject},
		{name: "malformed key", in: `{"status":1,"\x":2,"biz_id":3}`, want: []string{"0=1"}, err: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := jsonx.Object([]byte(tt.in), fields, func(i int, val []byte) error {
				got = append(got, fmt.Sprintf("%d=%s", i, val))
				return nil
			})
			assert.Equal(t, tt.want, got)
			switch tt.err {
			case nil:
				assert.NoError(t, err)
			case errAny:
				assert.Error(t, err)
				assert.NotErrorIs(t, err, jsonx.ErrWantObject)
			default:
				assert.ErrorIs(t, err, tt.err)
			}
		})
	}
}

var errAny = errors.New("any error")

// TestObjectStopsAtError: fn's error ends the walk and is returned.
func TestObjectStopsAtError(t *testing.T) {
	stop := errors.New("stop")
	var seen []int
	err := jsonx.Object([]byte(`{"status":1,"biz_id":2,"Mixed":3}`), fields, func(i int, _ []byte) error {
		seen = append(seen, i)
		if i == 1 {
			return stop
		}
		return nil
	})
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, []int{0, 1}, seen)
}

// TestMap: each key with its quotes and escapes as sent, and its value.
func TestMap(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  error
	}{
		{in: `{}`},
		{in: `{"a":1,"a":"x","\u00e9":{"b":[]}}`, want: []string{`"a"=1`, `"a"="x"`, `"\u00e9"={"b":[]}`}},
		{in: `{"A" : null , "b":true}`, want: []string{`"A"=null`, `"b"=true`}},
		{in: `[{"a":1}]`, err: jsonx.ErrWantObject},
		{in: `null`, err: jsonx.ErrWantObject},
		{in: `"x"`, err: jsonx.ErrWantObject},
	}
	for _, tt := range tests {
		var got []string
		err := jsonx.Map([]byte(tt.in), func(key, val []byte) error {
			got = append(got, fmt.Sprintf("%s=%s", key, val))
			return nil
		})
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.err, err, tt.in)
	}
}

// TestObjectDoesNotAllocate: the walk and a closure passed to it stay on
// the stack.
func TestObjectDoesNotAllocate(t *testing.T) {
	in := []byte(`{"status":"OK","biz_id":"1","x":{"a":[1,2]},"MIXED":null}`)
	n := testing.AllocsPerRun(100, func() {
		var vals [3][]byte
		if err := jsonx.Object(in, fields, func(i int, val []byte) error {
			if i >= 0 {
				vals[i] = val
			}
			return nil
		}); err != nil || vals[0] == nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, n)
}

// TestPlain: a string's inside is its own text exactly when it is valid
// UTF-8 with no escape, quote or control byte, ASCII or not.
func TestPlain(t *testing.T) {
	tests := map[string]bool{
		"": true, "abc": true, "活体检测通过": true, "a é b": true, "\x7f": true,
		`a\n`: false, `a"b`: false, "a\x01": false, "\x1f": false, "é\\": false, "\xff": false,
		"ab\xc3": false, "活\x00": false, "\xed\xa0\x80": false,
	}
	for in, want := range tests {
		assert.Equal(t, want, jsonx.Plain([]byte(in)), "%q", in)
		assert.Equal(t, want, utf8.ValidString(in) && !strings.ContainsAny(in, "\"\\") && !hasControl(in), "oracle %q", in)
	}
}

func hasControl(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x20 {
			return true
		}
	}
	return false
}

func TestTop(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{in: `{"a":1}`, want: `{"a":1}`},
		{in: " \t\r\n{\"a\" : [1, 2]} \n", want: `{"a" : [1, 2]}`},
		{in: ` null `, want: `null`},
		{in: `"x"`, want: `"x"`},
		{in: `-1.5e3`, want: `-1.5e3`},
		{in: ``, err: true},
		{in: `   `, err: true},
		{in: `{"a":1} {}`, err: true},
		{in: `{"a":1`, err: true},
		{in: `{'a':1}`, err: true},
		{in: "\"a\xffb\"", want: "\"a\xffb\""},
	} {
		got, err := jsonx.Top([]byte(tc.in))
		if tc.err {
			require.ErrorIs(t, err, jsonx.ErrNotJSON, "%q", tc.in)
			assert.Nil(t, got)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		assert.Equal(t, tc.want, string(got), "%q", tc.in)
	}
}

func TestTopObject(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // "index=value" per member
		err  error
	}{
		{in: ` {"status":"OK","x":1} `, want: []string{`0="OK"`, `-1=1`}},
		{in: `null`},
		{in: `[]`, err: jsonx.ErrWantObject},
		{in: `"x"`, err: jsonx.ErrWantObject},
		{in: `{"status":`, err: jsonx.ErrNotJSON},
	} {
		var got []string
		err := jsonx.TopObject([]byte(tc.in), fields, func(i int, val []byte) error {
			got = append(got, fmt.Sprintf("%d=%s", i, val))
			return nil
		})
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, "%q", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}
