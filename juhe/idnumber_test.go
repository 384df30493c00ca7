package juhe_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/go-liveness/liveness/juhe"
)

// The 18-character numbers below were computed for these tests with the
// GB 11643-1999 weights (a short script), except 11010519491231002X and
// 440524188001010014, the examples printed in the standard itself.
func TestValidIDNumber(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"the standard's example ending in X is valid", "11010519491231002X", true},
		{"a lower-case x is accepted as X", "11010519491231002x", true},
		{"the standard's second example is valid", "440524188001010014", true},
		{"a computed number is valid", "110101199003071233", true},
		{"another computed number is valid", "310115198001011238", true},
		{"a number born in 2000 is valid", "110101200001010002", true},
		{"a 15-digit first-generation number is valid", "110105491231002", true},
		{"a wrong check digit is invalid", "440524188001010015", false},
		{"X where a digit belongs is invalid", "110101199003071X33", false},
		{"a check digit X where 3 is due is invalid", "11010119900307123X", false},
		{"17 characters are invalid", "11010119900307123", false},
		{"19 characters are invalid", "1101011990030712334", false},
		{"15 characters with a letter are invalid", "11010549123100X", false},
		{"surrounding spaces are invalid", " 110101199003071233", false},
		{"full-width digits are invalid", "１１０１０１１９９００３０７１２３３", false},
		{"the empty string is invalid", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, juhe.ValidIDNumber(tt.id))
		})
	}
}

// Every prefix of 17 digits has exactly one valid check character, and
// across these prefixes each of the eleven characters is the valid one
// at least once, so every entry of the check table is exercised.
func TestValidIDNumberAcceptsExactlyOneCheckCharacter(t *testing.T) {
	seen := map[byte]bool{}
	for seq := 100; seq < 200; seq++ {
		prefix := "11010119900307" + string(rune('0'+seq/100)) + string(rune('0'+seq/10%10)) + string(rune('0'+seq%10))
		valid := 0
		for _, c := range []byte("0123456789X") {
			if juhe.ValidIDNumber(prefix + string(c)) {
				valid++
				seen[c] = true
			}
		}
		assert.Equal(t, 1, valid, prefix)
	}
	assert.Len(t, seen, 11, "every check character was the valid one for some prefix")
}
