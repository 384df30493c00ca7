package juhe

import "strconv"

// ValidIDNumber reports whether id has the form of a resident ID number as
// InitSession requires it: 18 characters ending in the GB 11643-1999 check
// character, or 15 digits. Use it to catch a mistyped number at your form,
// before a session is started (and paid for).
func ValidIDNumber(id string) bool { return checkIDNumber(id) == "" }

// idWeights are the GB 11643-1999 weights of the first 17 characters:
// 2^(17-i) mod 11.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps the weighted sum mod 11 to the check character.
const idCheckChars = "10X98765432"

// checkIDNumber reports why id is not a resident ID number, or "" when it
// is one: 18 characters whose last is the GB 11643-1999 check character
// ('X' for ten, a lower-case 'x' accepted), or a 15-digit first-generation
// number, which has no check character. It checks the form only: whether
// the number was ever issued is for Juhe's authority source to say.
func checkIDNumber(id string) string {
	switch len(id) {
	case 15:
		if !allDigits(id) {
			return "a 15-character ID number must be all digits"
		}
		return ""
	case 18:
		if !allDigits(id[:17]) {
			return "the first 17 characters of an ID number must be digits"
		}
		want := idCheckDigit(id[:17])
		got := id[17]
		if got == 'x' {
			got = 'X'
		}
		if got != want {
			// The message quotes no digit: ID numbers are personal data
			// and errors end up in logs.
			return "wrong check digit (GB 11643-1999): the number is mistyped"
		}
		return ""
	}
	return "must be 18 characters (or 15 digits), got " + strconv.Itoa(len(id))
}

// idCheckDigit returns the GB 11643-1999 check character of the 17 digits d.
func idCheckDigit(d string) byte {
	sum := 0
	for i := range 17 {
		sum += int(d[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// normalizeIDNumber upper-cases a trailing 'x', the form the authority
// source holds.
func normalizeIDNumber(id string) string {
	if len(id) == 18 && id[17] == 'x' {
		return id[:17] + "X"
	}
	return id
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
