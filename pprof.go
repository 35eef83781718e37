//go:build pprof

// Profiling build: `go build -tags pprof` serves net/http/pprof on the
// address in RELAIS_PPROF_ADDR (loopback only), to profile Relais under load
// (see BENCHMARKS.md). Normal builds do not contain it.
package main

import (
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("RELAIS_PPROF_ADDR")
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		slog.Error("pprof: RELAIS_PPROF_ADDR must be a loopback address", "addr", addr)
		return
	}
	go func() {
		slog.Error("pprof", "err", http.ListenAndServe(addr, nil))
	}()
}
