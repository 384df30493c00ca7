package megvii

// RecordedPayloads is recordedPayloads, for the package's external tests.
var RecordedPayloads = recordedPayloads
