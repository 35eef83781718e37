package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a Relais process under test.
type server struct {
	cmd   *exec.Cmd
	url   string
	ready time.Duration // from exec to /readyz answering 200
}

// startServer runs `relais serve` on a free loopback port with the database
// in dir and the extra environment, pinned to cpus with taskset when given,
// and waits until it is ready.
func startServer(ctx context.Context, relais, cpus, dir string, env []string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{relais, "serve"}
	if cpus != "" {
		if path, err := exec.LookPath("taskset"); err == nil {
			args = append([]string{path, "-c", cpus}, args...)
		}
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(),
		"RELAIS_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"RELAIS_DB="+dir+"/relais.db",
		"RELAIS_LOG_LEVEL=warn",
		"RELAIS_HOURS_SCHEDULE=[]",
		// One machine plays thousands of customers from one address.
		"RELAIS_WIDGET_CONNECTIONS_PER_IP=0", "RELAIS_WIDGET_NEW_CONVERSATIONS_PER_IP=0", "RELAIS_WIDGET_MESSAGES_PER_MINUTE=0",
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", relais, err)
	}
	s := &server{cmd: cmd, url: "http://127.0.0.1:" + strconv.Itoa(port)}
	deadline := start.Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.ready = time.Since(start)
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("relais not ready after 30s")
		}
		time.Sleep(time.Millisecond)
	}
}

// stop ends the server gracefully and waits for it.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// rss returns the server's resident and peak resident memory in bytes.
func (s *server) rss() (rss, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak, sc.Err()
}

// cpuTime returns the CPU time (user and system) the server has used so far.
func (s *server) cpuTime() (time.Duration, error) {
	if s == nil {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from its closing parenthesis.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", s.cmd.Process.Pid)
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// selfCPUTime returns the CPU time the load generator has used so far.
func selfCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
