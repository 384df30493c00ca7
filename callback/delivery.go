package callback

import (
	"context"
	"time"
)

// Delivery describes one run of Handler.Deliver; DeliveryFrom reads it from
// the context Deliver receives.
type Delivery struct {
	// ID names the session's delivery: the same on every run, on every
	// instance sharing the Store ("<vendor>:<session ID>"). Record it with
	// the service's effect, in the same transaction, and skip a run whose
	// ID is already recorded: that closes the one window in which a run
	// can be repeated (see Handler.Deliver).
	ID string
	// Attempt counts the runs of Deliver begun for the session, this one
	// included, on every instance: 1 for the first. Each is written to the
	// Store before Deliver runs, so an Attempt above 1 says that an earlier
	// run began and may have applied its effect (it failed, or its
	// instance or the Store stopped before its outcome was recorded).
	Attempt int
	// Calls is how many vendor result calls the session spent, on every
	// instance, before this run (Megvii allows three): for metrics of
	// the read budget.
	Calls int
	// Started is when the session was started, on the Handler's clock;
	// zero when not known (a session only a callback or Wait made known).
	Started time.Time
}

type deliveryKey struct{}

// DeliveryFrom returns the Delivery of the context Deliver was given; ok is
// false for any other context.
func DeliveryFrom(ctx context.Context) (d Delivery, ok bool) {
	d, ok = ctx.Value(deliveryKey{}).(Delivery)
	return d, ok
}
