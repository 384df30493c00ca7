package livenessotel

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/go-liveness/liveness"
)

// The attribute keys of the package's own spans and metrics (the HTTP
// client's follow the semantic conventions: see HTTPClient). Session IDs
// go on spans only, never on a metric: one series per session would
// explode a metrics backend.
const (
	// VendorKey names the vendor: "megvii", "juhe", "jumdata", or
	// "failover" for a failover.Router wrapped as a whole.
	VendorKey = attribute.Key("liveness.vendor")
	// OperationKey names the provider operation: "InitSession",
	// "FetchResult", ...
	OperationKey = attribute.Key("liveness.operation")
	// MayHaveReachedKey is liveness.Error.MayHaveReached of a failed call.
	MayHaveReachedKey = attribute.Key("liveness.error.may_have_reached")
	// RetryableKey is liveness.Retryable of a failed call's error.
	RetryableKey = attribute.Key("liveness.error.retryable")
	// AttemptsKey counts the HTTP requests a provider call sent (its
	// retries included), when the provider sends them through HTTPClient.
	AttemptsKey = attribute.Key("liveness.http.attempts")
	// CallbackKindKey is the callback.Event kind: "start", "return",
	// "notify", "wait" or "reconcile".
	CallbackKindKey = attribute.Key("liveness.callback.kind")
	// OutcomeKey is the callback.Event outcome: a Status ("passed", ...),
	// "started", or what stopped the request ("rejected", "fault", ...).
	OutcomeKey = attribute.Key("liveness.callback.outcome")
	// SignedKey is liveness.Callback.Signed: whether the callback's
	// signature was verified.
	SignedKey = attribute.Key("liveness.callback.signed")
	// SessionIDKey is the vendor's session ID: on spans only.
	SessionIDKey = attribute.Key("liveness.session.id")
	// StatusKey and ReasonKey are a result's liveness.Status and
	// liveness.Reason.
	StatusKey = attribute.Key("liveness.status")
	ReasonKey = attribute.Key("liveness.reason")
	// DeliveryAttemptKey is callback.Delivery.Attempt: on spans only.
	DeliveryAttemptKey = attribute.Key("liveness.delivery.attempt")
	// DeliveryOutcomeKey is "delivered" or "failed" (Deliver returned an
	// error or panicked).
	DeliveryOutcomeKey = attribute.Key("liveness.delivery.outcome")
	// MemberKey is a failover.Router member's name (failover.Health.Name).
	MemberKey = attribute.Key("liveness.router.member")
)

// ErrorTypeKey is the semantic conventions' error.type: the name of a
// liveness.Error's Kind sentinel for provider calls (see ErrorKind), the
// HTTP status code or the Go type of a transport error for HTTP requests.
const ErrorTypeKey = semconv.ErrorTypeKey

// kinds names the sentinels of package liveness, in the spelling of
// error.type values: lower case, underscores.
var kinds = []struct {
	err  error
	name string
}{
	{liveness.ErrInvalidArgument, "invalid_argument"},
	{liveness.ErrUnauthenticated, "unauthenticated"},
	{liveness.ErrPermissionDenied, "permission_denied"},
	{liveness.ErrQuotaExceeded, "quota_exceeded"},
	{liveness.ErrRateLimited, "rate_limited"},
	{liveness.ErrNotFound, "not_found"},
	{liveness.ErrSessionExpired, "session_expired"},
	{liveness.ErrUnavailable, "unavailable"},
	{liveness.ErrDiscontinued, "discontinued"},
	{liveness.ErrBadSignature, "bad_signature"},
	{liveness.ErrBadResponse, "bad_response"},
	{liveness.ErrUnsupported, "unsupported"},
	{liveness.ErrNoResult, "no_result"},
	{context.Canceled, "canceled"},
	{context.DeadlineExceeded, "deadline_exceeded"},
}

// ErrorKind returns the error.type value of err: the name of the liveness
// sentinel it wraps ("rate_limited", "unavailable", ...), "canceled" or
// "deadline_exceeded" for a call its context stopped, "_OTHER" for any
// other error, and "" for nil. The values are few and fixed, so they may
// label a metric.
func ErrorKind(err error) string {
	if err == nil {
		return ""
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return semconv.ErrorTypeOther.Value.AsString()
}

// errorAttrs returns the attributes of a failed provider call.
func errorAttrs(err error) []attribute.KeyValue {
	var e *liveness.Error
	reached := errors.As(err, &e) && e.MayHaveReached
	return []attribute.KeyValue{
		ErrorTypeKey.String(ErrorKind(err)),
		MayHaveReachedKey.Bool(reached),
		RetryableKey.Bool(liveness.Retryable(err)),
	}
}
