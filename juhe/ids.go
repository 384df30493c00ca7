package juhe

import (
	"strconv"

	"github.com/go-liveness/liveness/driver"
)

// MaxIDBytes caps every order number the provider accepts, from a caller
// (FetchResult, FetchSessionResult, BuildCheckURL) or from a callback
// (jh_order_id, jhOrderId, orderId), before any network call. Juhe's own
// are 24 characters (JH79320240517095231mUzn9) and your orderId at most 32.
const MaxIDBytes = 128

// checkID refuses an order number that is empty, longer than MaxIDBytes
// or holds anything but ASCII letters, digits, '-', '_' and '.'. Both of
// Juhe's samples are letters and digits, and orderId must be; the three
// punctuation marks leave room without letting through a byte that could
// change the meaning of a form, a URL or a log line.
//
// Guess: see VENDORS.md, Juhe, order-id-shape.
func checkID(c driver.Checker, field, v string) error {
	if v == "" {
		return c.Fail(field, "is required")
	}
	if len(v) > MaxIDBytes {
		return c.Fail(field, "is "+strconv.Itoa(len(v))+" bytes, more than "+strconv.Itoa(MaxIDBytes))
	}
	for i := range len(v) {
		if !idByte(v[i]) {
			return c.Fail(field, "holds a character other than ASCII letters, digits, '-', '_' and '.'")
		}
	}
	return nil
}

func idByte(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b == '-' || b == '_' || b == '.'
}
