package jumdata

import (
	"errors"
	"testing"

	"github.com/go-liveness/liveness"
)

func TestOpenRejectsANilURL(t *testing.T) {
	p, err := open(nil)
	if p != nil || !errors.Is(err, liveness.ErrInvalidArgument) {
		t.Fatalf("open(nil) = %v, %v; want ErrInvalidArgument", p, err)
	}
	var e *liveness.Error
	if !errors.As(err, &e) || e.Op != "Open" || e.Field != "url" {
		t.Fatalf("error %#v: want Op Open, Field url", err)
	}
}
