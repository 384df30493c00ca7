package liveness

// Version is this module's version, without the leading "v" of its Git
// tag: the one source of the version that the default User-Agent
// (DefaultUserAgent, "go-liveness/"+Version) and the liveness command
// (liveness --version) report. A "-dev" suffix marks a build between
// releases; CHANGELOG.md's "Unreleased" section lists what it adds, and a
// release renames that section to the version it sets here.
const Version = "0.1.0-dev"
