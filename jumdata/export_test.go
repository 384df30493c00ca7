package jumdata

// GatewayError exposes gatewayError to the package's external tests.
var GatewayError = gatewayError
