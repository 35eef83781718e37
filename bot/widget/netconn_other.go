//go:build !unix

package widget

import "errors"

// pooledIO is false where sockets are not read through wsConn: connections
// keep the HTTP server's buffers.
const pooledIO = false

func sysRead(uintptr, []byte) (int, error) { return 0, errors.ErrUnsupported }
