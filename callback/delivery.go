package callback

import "context"

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
}

type deliveryKey struct{}

// DeliveryFrom returns the Delivery of the context Deliver was given; ok is
// false for any other context.
func DeliveryFrom(ctx context.Context) (d Delivery, ok bool) {
	d, ok = ctx.Value(deliveryKey{}).(Delivery)
	return d, ok
}
