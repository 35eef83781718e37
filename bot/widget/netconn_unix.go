//go:build unix

package widget

import "syscall"

// pooledIO tells whether sockets can be read through wsConn here.
const pooledIO = true

// sysRead reads from a non-blocking socket.
func sysRead(fd uintptr, b []byte) (int, error) { return syscall.Read(int(fd), b) }
