package main

// The crash test's Relais process: built with -race, started, killed and
// stopped on a database that outlives it.

import (
	"bufio"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is the relais binary run as a subprocess, killed and restarted on
// the same database and address.
type server struct {
	t       *testing.T
	bin     string
	env     map[string]string
	logPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{} // closed once the process has exited
	starts int
	kills  []time.Time
}

// start starts the server and waits until it serves.
func (s *server) start() {
	s.t.Helper()
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer log.Close()
	fmt.Fprintf(log, "=== start %d\n", s.starts+1)
	cmd := exec.Command(s.bin, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RELAIS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.bin, err)
	}
	done, up := make(chan struct{}), make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Relais is running") {
				close(up)
			}
		}
		cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.starts++
	s.mu.Unlock()
	select {
	case <-up:
	case <-done:
		s.t.Fatalf("relais exited before serving (%v); log:\n%s", cmd.ProcessState, s.tail())
	case <-time.After(30 * time.Second):
		s.t.Fatalf("relais did not serve within 30s; log:\n%s", s.tail())
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	s.mu.Lock()
	s.kills = append(s.kills, time.Now())
	s.mu.Unlock()
}

// stop asks the server to shut down (SIGTERM) and checks that it does, cleanly.
func (s *server) stop() {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if !s.cmd.ProcessState.Success() {
			s.t.Errorf("relais exited with %v after SIGTERM; log:\n%s", s.cmd.ProcessState, s.tail())
		}
	case <-time.After(20 * time.Second):
		s.kill()
		s.t.Errorf("relais did not stop within 20s of SIGTERM; log:\n%s", s.tail())
	}
}

// checkLog fails on data races and panics in any run of the server.
func (s *server) checkLog() {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, bad := range []string{"WARNING: DATA RACE", "panic:", "fatal error:"} {
		if strings.Contains(string(b), bad) {
			s.t.Errorf("the server's log has %q:\n%s", bad, s.tail())
		}
	}
}

// answeredAtStart returns how many messages stored but left unanswered by a
// killed server its successor answered.
func (s *server) answeredAtStart() int {
	b, _ := os.ReadFile(s.logPath)
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if _, count, ok := strings.Cut(line, "answered messages left unanswered count="); ok {
			var c int
			fmt.Sscan(count, &c)
			n += c
		}
	}
	return n
}

// tail returns the end of the server's log.
func (s *server) tail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

// buildRelais builds the relais binary with the test binary's race setting
// and build tags.
func buildRelais(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "relais")
	goTool, args := goCommand(t, "build the binary", "build", "-o", bin)
	start := time.Now()
	out, err := exec.Command(goTool, append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("go %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return bin
}

// goCommand returns the go command (the test's toolchain, else the one on
// PATH; the test is skipped without one, saying what it was for) and args
// with the test binary's race setting and build tags, so that the build
// cache serves what the test binary was built from.
func goCommand(t *testing.T, purpose string, args ...string) (goTool string, withBuild []string) {
	t.Helper()
	goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		if goTool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command to " + purpose + " with")
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "-race" && s.Value == "true":
				args = append(args, "-race")
			case s.Key == "-tags" && s.Value != "":
				args = append(args, "-tags", s.Value)
			}
		}
	}
	return goTool, args
}

// freePort returns a TCP port free on 127.0.0.1 right now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// openSQL opens the server's database for queries, read-only.
func openSQL(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
