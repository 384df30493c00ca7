// Package vendorkit is what every vendor package shares beyond input
// checks (package check): the HTTP status → sentinel mapping, the checks
// of a stored Session given back to BuildCheckURL, the liveness.Open
// plumbing (the provider URL's query, the service URL, Op "Open" on every
// error), the reading of a callback's body or of the form a middleware
// parsed, and the vendor options of SessionRequest.Extra. A vendor package
// keeps only vendor facts: its fields, codes and tables.
package vendorkit
