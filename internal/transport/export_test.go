package transport

import "context"

// DebugForTest logs through c's redacting debug logger.
func DebugForTest(c *Client, msg string, args ...any) { c.debug(context.Background(), msg, args...) }

// CountLogWork makes c count in n every log URL it builds.
func CountLogWork(c *Client, n *int) { c.logWork = func() { *n++ } }
