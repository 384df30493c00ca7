package liveness_test

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/go-liveness/liveness"
)

func TestMaskIDNumber(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"an 18-digit number keeps its region and its last four", "110105199001010023", "110105********0023"},
		{"an 18-character number ending in X keeps the X", "11010519491231002X", "110105********002X"},
		{"a lower-case x is kept as given", "11010519491231002x", "110105********002x"},
		{"a 15-digit number keeps its region and its last four", "110105491231002", "110105*****1002"},
		{"a number with a wrong check character is masked alike", "110105199001010024", "110105********0024"},
		{"an empty value stays empty", "", ""},
		{"three characters or fewer are all masked", "123", "***"},
		{"four characters show one", "1234", "***4"},
		{"eight characters show two", "A1234567", "******67"},
		{"an 11-digit phone number shows two", "13912345678", "*********78"},
		{"twelve characters show three", "G12345678901", "*********901"},
		{"sixteen characters or more show four", "1234567890123456789012", "******************9012"},
		{"17 digits are not a resident ID number", "11010519491231002", "*************1002"},
		{"18 characters with a letter inside are not one", "1101051949123100AX", "**************00AX"},
		{"runes are masked one for one", "护照号码E1234567", "*********567"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := liveness.MaskIDNumber(tc.in)
			if got != tc.want {
				t.Errorf("MaskIDNumber(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if utf8.RuneCountInString(got) != utf8.RuneCountInString(tc.in) {
				t.Errorf("MaskIDNumber(%q) = %q: not as many characters", tc.in, got)
			}
		})
	}
}

// TestMaskIDNumberRevealsAFraction: outside the resident ID shape, no
// value shows more than a quarter of its characters, nor more than 4.
func TestMaskIDNumberRevealsAFraction(t *testing.T) {
	s := ""
	for n := 0; n <= 40; n++ {
		got := liveness.MaskIDNumber(s)
		shown := 0
		for _, r := range got {
			if r != '*' {
				shown++
			}
		}
		if shown > 4 || shown > n/4 {
			t.Errorf("MaskIDNumber of %d characters shows %d: %q", n, shown, got)
		}
		s += "a"
	}
}

func TestMaskName(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"a three-character name keeps its first", "张三丰", "张**"},
		{"a two-character name keeps its first", "李四", "李*"},
		{"a compound surname keeps one character", "欧阳娜娜", "欧***"},
		{"a one-character name is all masked", "张", "*"},
		{"an empty name stays empty", "", ""},
		{"a Latin name keeps its initial", "Ann Lee", "A******"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := liveness.MaskName(tc.in); got != tc.want {
				t.Errorf("MaskName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func ExampleMaskIDNumber() {
	fmt.Println(liveness.MaskIDNumber("110105199001010023"))
	fmt.Println(liveness.MaskIDNumber("11010519491231002X"))
	fmt.Println(liveness.MaskIDNumber("13912345678"))
	fmt.Println(liveness.MaskName("张三丰"))
	// Output:
	// 110105********0023
	// 110105********002X
	// *********78
	// 张**
}
