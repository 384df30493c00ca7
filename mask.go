package liveness

import (
	"strings"
	"unicode/utf8"
)

// MaskIDNumber returns id masked for display where a person must recognise
// a resident ID number (a support engineer matching a session to a
// customer), so that the number itself is never shown in clear.
//
// A Chinese resident ID number — 18 characters, the first 17 ASCII digits
// and the last a digit, 'X' or 'x'; or 15 ASCII digits — keeps its first 6
// characters (the issuing region) and its last 4, every other character
// replaced by '*': "110105199001010023" is "110105********0023", and
// "110105900101002" is "110105*****1002". The birth date is always hidden.
//
// Anything else keeps at most its last 4 characters and never more than a
// quarter of them (rounded down), every other character (rune) replaced by
// '*', so the result has as many characters as id: a value of 3 characters
// or fewer is all '*', "A1234567" (8) is "******67", a 16-character value
// shows its last 4. The empty string stays empty.
func MaskIDNumber(id string) string {
	if residentIDShape(id) {
		return id[:6] + strings.Repeat("*", len(id)-10) + id[len(id)-4:]
	}
	n := utf8.RuneCountInString(id)
	keep := min(4, n/4)
	var b strings.Builder
	b.Grow(len(id))
	i := 0
	for _, r := range id {
		if i < n-keep {
			b.WriteByte('*')
		} else {
			b.WriteRune(r)
		}
		i++
	}
	return b.String()
}

// residentIDShape reports whether id has the shape of a resident ID
// number: 18 characters, 17 ASCII digits then a digit or X (either case),
// or 15 ASCII digits. The check character is not verified: a mistyped
// number is masked the same way.
func residentIDShape(id string) bool {
	switch len(id) {
	case 15:
		return allASCIIDigits(id)
	case 18:
		last := id[17]
		return allASCIIDigits(id[:17]) && (last >= '0' && last <= '9' || last == 'X' || last == 'x')
	}
	return false
}

func allASCIIDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaskName returns a person's name masked for display: its first
// character (rune) kept and every other one replaced by '*', so "张三丰"
// is "张**", "李四" is "李*" and "欧阳娜娜" is "欧***". A name of one
// character is "*"; the empty string stays empty.
func MaskName(name string) string {
	n := utf8.RuneCountInString(name)
	switch n {
	case 0:
		return ""
	case 1:
		return "*"
	}
	r, size := utf8.DecodeRuneInString(name)
	var b strings.Builder
	b.Grow(size + n - 1)
	b.WriteRune(r)
	b.WriteString(strings.Repeat("*", n-1))
	return b.String()
}
