package pipeline

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// holdEnv makes the test binary hold a file with no descriptor for it in
// /proc/PID/fd. With "map:PATH" it maps the file and closes the descriptor.
// With "thread:PATH" it opens the file on a thread with a descriptor table
// of its own. Then it writes "ready" and waits to be killed.
const holdEnv = "TEMPSWEEP_TEST_HOLD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(holdEnv); spec != "" {
		holdFile(spec)
		return
	}
	os.Exit(m.Run())
}

func holdFile(spec string) {
	mode, path, _ := strings.Cut(spec, ":")
	fail := func(err error) {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	switch mode {
	case "map":
		fd, err := unix.Open(path, unix.O_RDONLY, 0)
		if err != nil {
			fail(err)
		}
		if _, err := unix.Mmap(fd, 0, 1, unix.PROT_READ, unix.MAP_SHARED); err != nil {
			fail(err)
		}
		unix.Close(fd)
	case "thread":
		opened := make(chan error)
		var openOnThread func()
		openOnThread = func() {
			// The goroutine stays locked to its thread, so the thread keeps
			// its own table until the process exits. The main thread's table
			// is the one /proc/PID/fd shows, so another thread is taken.
			runtime.LockOSThread()
			if unix.Gettid() == os.Getpid() {
				go openOnThread()
				select {}
			}
			if err := unix.Unshare(unix.CLONE_FILES); err != nil {
				opened <- err
				return
			}
			_, err := unix.Open(path, unix.O_RDONLY, 0)
			opened <- err
			select {}
		}
		go openOnThread()
		if err := <-opened; err != nil {
			fail(err)
		}
	}
	os.Stdout.WriteString("ready\n")
	time.Sleep(time.Minute)
}

// startHold starts the test binary as a holder of path and waits until it
// holds the file.
func startHold(t *testing.T, mode, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), holdEnv+"="+mode+":"+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("holder did not start: %q, %v", line, err)
	}
	return cmd
}

// assertScanFinds checks that a fresh scan names pid as a holder of path.
func assertScanFinds(t *testing.T, path string, pid int) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	got, open, err := newOpenFileSet().holder(uint64(st.Dev), st.Ino)
	if err != nil {
		t.Fatal(err)
	}
	if !open || got != pid {
		t.Errorf("holder = %d, %v; want %d, true", got, open, pid)
	}
}

func TestOpenFileScanFindsHiddenHolders(t *testing.T) {
	for _, mode := range []string{"map", "thread"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "held.mmp")
			writeFile(t, path, 100)
			holder := startHold(t, mode, path)

			fdDir := "/proc/" + strconv.Itoa(holder.Process.Pid) + "/fd"
			fds, err := os.ReadDir(fdDir)
			if err != nil {
				t.Fatal(err)
			}
			for _, fd := range fds {
				if target, _ := os.Readlink(filepath.Join(fdDir, fd.Name())); target == path {
					t.Fatalf("holder has %s in %s; the test needs a holder without one", path, fdDir)
				}
			}
			assertScanFinds(t, path, holder.Process.Pid)
		})
	}
}

func TestParseMapsLine(t *testing.T) {
	tests := []struct {
		line string
		key  fileKey
		ok   bool
	}{
		{"7f1c2a000000-7f1c2a001000 r--s 00000000 fe:01 1605634 /tmp/x.mmp\n", fileKey{unix.Mkdev(0xfe, 1), 1605634}, true},
		{"7f1c2a000000-7f1c2a001000 r--s 00000000 103:1a 42 /data/a b.mmp\n", fileKey{unix.Mkdev(0x103, 0x1a), 42}, true},
		{"7ffd5e9f0000-7ffd5ea11000 rw-p 00000000 00:00 0 [stack]\n", fileKey{}, false},
		{"55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0\n", fileKey{}, false},
		{"garbage\n", fileKey{}, false},
		{"1-2 r--p 0 zz:01 5 /x\n", fileKey{}, false},
	}
	for _, tt := range tests {
		key, ok := parseMapsLine(tt.line)
		if key != tt.key || ok != tt.ok {
			t.Errorf("parseMapsLine(%q) = %v, %v; want %v, %v", tt.line, key, ok, tt.key, tt.ok)
		}
	}
}

func BenchmarkOpenFileScan(b *testing.B) {
	set := newOpenFileSet()
	for b.Loop() {
		set.scan()
		if set.scanErr != nil {
			b.Fatal(set.scanErr)
		}
	}
	b.ReportMetric(float64(len(set.holders)), "files")
}

func TestCannotSeeSkipsZombie(t *testing.T) {
	zombie := exec.Command("true")
	if err := zombie.Start(); err != nil {
		t.Fatal(err)
	}
	// Until Wait reaps it, the exited process stays a zombie.
	defer zombie.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for !isZombie(zombie.Process.Pid) {
		if time.Now().After(deadline) {
			t.Fatal("child did not become a zombie")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cannotSee(zombie.Process.Pid); err != nil {
		t.Errorf("cannotSee(zombie) = %v, want nil", err)
	}

	live := exec.Command("sleep", "30")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Process.Kill(); live.Wait() })
	if err := cannotSee(live.Process.Pid); err == nil {
		t.Error("cannotSee(running process) = nil, want an error")
	}
}

func isZombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && strings.Contains(string(stat), ") Z ")
}

func TestIsZombieStatus(t *testing.T) {
	tests := []struct {
		name   string
		status string
		want   bool
	}{
		{"zombie", "Name:\tsh\nState:\tZ (zombie)\nTgid:\t42\nThreads:\t1\n", true},
		{"dead", "Name:\tsh\nState:\tX (dead)\nThreads:\t1\n", true},
		{"first thread exited, others run", "Name:\tholder\nState:\tZ (zombie)\nThreads:\t2\n", false},
		{"sleeping", "Name:\tsleep\nState:\tS (sleeping)\nThreads:\t1\n", false},
		{"no threads line", "Name:\tsh\nState:\tZ (zombie)\n", false},
	}
	for _, tt := range tests {
		if got := isZombieStatus(tt.status); got != tt.want {
			t.Errorf("%s: isZombieStatus = %v, want %v", tt.name, got, tt.want)
		}
	}
}
