package main

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-liveness/liveness"
	"github.com/go-liveness/liveness/sandbox"
)

// dockerStage is one stage of the Dockerfile, as dockerfile reads it.
type dockerStage struct {
	from, name  string
	instrs      [][2]string // instruction (upper case), its arguments
	user        string
	expose      string
	healthcheck []string
	entrypoint  []string
	cmd         []string
}

// dockerfile reads cmd/liveness/Dockerfile: its stages and, in each, the
// instructions TestDockerfile plays. It refuses what it does not play (a
// line continuation, a shell-form RUN, ENTRYPOINT or CMD), so the file
// cannot drift into a form the test would skip.
func dockerfile(t *testing.T) []*dockerStage {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	var stages []*dockerStage
	execForm := func(line, args string) []string {
		var v []string
		require.NoError(t, json.Unmarshal([]byte(args), &v), "%s: the test reads the JSON (exec) form", line)
		return v
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		require.False(t, strings.HasSuffix(line, `\`), "%s: the test reads one instruction a line", line)
		instr, args, _ := strings.Cut(line, " ")
		instr, args = strings.ToUpper(instr), strings.TrimSpace(args)
		if instr == "FROM" {
			f := strings.Fields(args)
			st := &dockerStage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		require.NotEmpty(t, stages, "%s: before FROM", line)
		st := stages[len(stages)-1]
		switch instr {
		case "WORKDIR", "COPY", "ENV":
			st.instrs = append(st.instrs, [2]string{instr, args})
		case "RUN":
			st.instrs = append(st.instrs, [2]string{instr, args})
			execForm(line, args)
		case "USER":
			st.user = args
		case "EXPOSE":
			st.expose = args
		case "HEALTHCHECK":
			_, c, ok := strings.Cut(args, "CMD ")
			require.True(t, ok, "%s: HEALTHCHECK … CMD […]", line)
			st.healthcheck = execForm(line, c)
		case "ENTRYPOINT":
			st.entrypoint = execForm(line, args)
		case "CMD":
			st.cmd = execForm(line, args)
		default:
			t.Fatalf("%s: the test does not play %s; teach it, or keep the Dockerfile to what it plays", line, instr)
		}
	}
	require.Len(t, stages, 2, "a builder stage and the final image")
	return stages
}

// dockerIgnored reports whether rel (slash-separated, relative to the
// build context) is left out of the context by Dockerfile.dockerignore.
// It plays the forms that file uses, a path from the context's root and
// "**/" followed by a name pattern, and refuses any other.
func dockerIgnored(t *testing.T, patterns []string, rel string) bool {
	for _, p := range patterns {
		if rest, ok := strings.CutPrefix(p, "**/"); ok {
			require.NotContains(t, rest, "/", "%s: the test plays **/NAME only", p)
			if m, _ := path.Match(rest, path.Base(rel)); m {
				return true
			}
			continue
		}
		require.NotContains(t, p, "*", "%s: the test plays a root path or **/NAME only", p)
		if rel == p {
			return true
		}
	}
	return false
}

// copyContext copies the build context (the repository's root) to dst,
// without what Dockerfile.dockerignore leaves out.
func copyContext(t *testing.T, root, dst string) {
	t.Helper()
	b, err := os.ReadFile("Dockerfile.dockerignore")
	require.NoError(t, err)
	var patterns []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	copyTree(t, root, dst, func(rel string) bool { return dockerIgnored(t, patterns, rel) })
}

// copyTree copies the tree at root into dst, over what is there (as COPY
// does), leaving out what skip says (rel is slash-separated).
func copyTree(t *testing.T, root, dst string, skip func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel != "." && skip != nil && skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		to := filepath.Join(dst, filepath.FromSlash(rel))
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type().IsRegular():
			return copyFile(p, to)
		}
		return nil // symlinks and the like: none in the sources
	})
	require.NoError(t, err)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// There is no Docker daemon on the machines this runs on, so the image is
// not built here. What stands in for docker build and docker run: the
// Dockerfile's builder stage is played instruction by instruction (its
// WORKDIR, COPY from a copy of the context that Dockerfile.dockerignore
// filters, ENV, and each RUN: go mod download, then the go build line,
// as written) in a directory that stands for the builder's root; the
// binary it produces is checked static (no ELF interpreter, no shared
// library needed: the final image is distroless/static, which has no
// libc); it is then run as the image runs it (ENTRYPOINT and CMD, as the
// USER's uid when this test runs as root, with an environment of its own),
// on a free port instead of the exposed one, and the HEALTHCHECK command is
// run against it (exit 0), then against it stopped (exit 1); and the
// binary's --version is the library's version.
func TestDockerfile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI as the Dockerfile does")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the image is linux; its binary runs here on linux only")
	}
	stages := dockerfile(t)
	build, final := stages[0], stages[1]
	require.NotEmpty(t, build.name, "the builder stage is named, for COPY --from")
	assert.True(t, strings.HasPrefix(build.from, "golang:1.26"), "builder %s: the module's Go", build.from)
	assert.True(t, final.from == "scratch" || strings.HasPrefix(final.from, "gcr.io/distroless/static"),
		"final image %s: a static image, with no libc or shell", final.from)

	// The builder stage, played in buildRoot ("/").
	repo, err := filepath.Abs("../..")
	require.NoError(t, err)
	buildContext := t.TempDir()
	copyContext(t, repo, buildContext)
	buildRoot := t.TempDir()
	inRoot := func(root, p, cwd string) string {
		if strings.HasPrefix(p, "/") {
			return filepath.Join(root, filepath.FromSlash(p))
		}
		return filepath.Join(cwd, filepath.FromSlash(p))
	}
	cwd := buildRoot
	env := map[string]string{}
	for _, in := range build.instrs {
		switch in[0] {
		case "WORKDIR":
			cwd = inRoot(buildRoot, in[1], cwd)
			require.NoError(t, os.MkdirAll(cwd, 0o755))
		case "ENV":
			for _, kv := range strings.Fields(in[1]) {
				k, v, ok := strings.Cut(kv, "=")
				require.True(t, ok, "ENV %s: KEY=VALUE", kv)
				env[k] = v
			}
		case "COPY":
			f := strings.Fields(in[1])
			require.GreaterOrEqual(t, len(f), 2, "COPY %s", in[1])
			srcs, dst := f[:len(f)-1], inRoot(buildRoot, f[len(f)-1], cwd)
			for _, src := range srcs {
				from := filepath.Join(buildContext, filepath.FromSlash(src))
				st, err := os.Stat(from)
				require.NoError(t, err, "COPY %s: in the context", src)
				switch {
				case st.IsDir():
					copyTree(t, from, dst, nil)
				case strings.HasSuffix(f[len(f)-1], "/") || len(srcs) > 1:
					require.NoError(t, copyFile(from, filepath.Join(dst, filepath.Base(from))))
				default:
					require.NoError(t, copyFile(from, dst))
				}
			}
		case "RUN":
			var args []string
			require.NoError(t, json.Unmarshal([]byte(in[1]), &args))
			for i, a := range args {
				if strings.HasPrefix(a, "/") {
					args[i] = filepath.Join(buildRoot, a)
				}
			}
			c := exec.Command(args[0], args[1:]...)
			c.Dir = cwd
			c.Env = os.Environ()
			for k, v := range env {
				c.Env = append(c.Env, k+"="+v)
			}
			out, err := c.CombinedOutput()
			require.NoError(t, err, "RUN %s:\n%s", in[1], out)
		}
	}
	assert.Equal(t, "0", env["CGO_ENABLED"], "the binary is built with CGO_ENABLED=0")

	// The final stage: COPY --from the builder.
	imageRoot := t.TempDir()
	for _, in := range final.instrs {
		f := strings.Fields(in[1])
		require.Equal(t, "COPY", in[0], "the final stage only copies the binary")
		require.Len(t, f, 3)
		require.Equal(t, "--from="+build.name, f[0])
		require.NoError(t, copyFile(inRoot(buildRoot, f[1], buildRoot), inRoot(imageRoot, f[2], imageRoot)))
	}
	require.NotEmpty(t, final.entrypoint)
	bin := inRoot(imageRoot, final.entrypoint[0], imageRoot)

	t.Run("the binary is static", func(t *testing.T) {
		f, err := elf.Open(bin)
		require.NoError(t, err)
		defer f.Close()
		for _, p := range f.Progs {
			assert.NotEqual(t, elf.PT_INTERP, p.Type, "an ELF interpreter (a dynamic loader) is named")
			assert.NotEqual(t, elf.PT_DYNAMIC, p.Type, "a dynamic section")
		}
		libs, err := f.ImportedLibraries()
		require.NoError(t, err)
		assert.Empty(t, libs, "shared libraries needed (DT_NEEDED)")
	})

	// The image's user: numeric, and not root.
	uid, gid, ok := strings.Cut(final.user, ":")
	require.True(t, ok, "USER %s: UID:GID, numeric, so the test can run as it", final.user)
	u, err := strconv.ParseUint(uid, 10, 32)
	require.NoError(t, err)
	g, err := strconv.ParseUint(gid, 10, 32)
	require.NoError(t, err)
	require.NotZero(t, u, "the image does not run as root")
	var attr *syscall.SysProcAttr
	if os.Geteuid() == 0 {
		attr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(u), Gid: uint32(g)}}
		// t.TempDir's directories (the test's and this one) are 0700: let
		// the image's user reach the binary, as it can in the image.
		for _, d := range []string{filepath.Dir(imageRoot), imageRoot} {
			require.NoError(t, os.Chmod(d, 0o755))
		}
	} else {
		t.Logf("not root: the binary runs as uid %d, not the image's %d", os.Geteuid(), u)
	}
	// The image's environment: distroless's PATH and nothing of this
	// process's (no LIVENESS_SANDBOX, no LIVENESS_PROVIDER).
	imageEnv := []string{"PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	imageCmd := func(args []string) *exec.Cmd {
		args = append([]string(nil), args...)
		if args[0] == final.entrypoint[0] {
			args[0] = bin
		}
		c := exec.Command(args[0], args[1:]...)
		c.Env, c.SysProcAttr, c.Dir = imageEnv, attr, imageRoot
		return c
	}

	t.Run("its --version is the library's", func(t *testing.T) {
		out, err := imageCmd([]string{final.entrypoint[0], "--version"}).CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.True(t, strings.HasPrefix(string(out), "liveness "+liveness.Version+" ("), "%s", out)
	})

	// The image's command, on all interfaces as in the container, on a
	// free port instead of the exposed one.
	args := append(append([]string(nil), final.entrypoint...), final.cmd...)
	addr := -1
	for i, a := range args {
		if a == "--addr" && i+1 < len(args) {
			addr = i + 1
		}
	}
	require.NotEqual(t, -1, addr, "CMD gives --addr")
	host, port, err := net.SplitHostPort(args[addr])
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0", host, "the sandbox listens on every interface of the container, so a published port reaches it")
	assert.Equal(t, final.expose, port, "EXPOSE is the port --addr serves")
	args[addr] = net.JoinHostPort(host, "0")
	srv := imageCmd(args)
	stdout, err := srv.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	srv.Stderr = &stderr
	require.NoError(t, srv.Start())
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() {
		_ = srv.Process.Kill()
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "go-liveness sandbox on "); ok {
				urls <- strings.Fields(rest)[0]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-exited:
		t.Fatalf("the sandbox exited: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the sandbox printed no URL\n%s", stderr.String())
	}
	if attr != nil {
		status, err := os.ReadFile("/proc/" + strconv.Itoa(srv.Process.Pid) + "/status")
		require.NoError(t, err)
		assert.Regexp(t, `(?m)^Uid:\s+`+uid+`\s+`+uid+`\s`, string(status), "the sandbox runs as the image's user")
	}
	bu, err := url.Parse(base)
	require.NoError(t, err)

	// curl /healthz, as a person would.
	resp, err := http.Get(base + sandbox.HealthPath)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// The HEALTHCHECK, its URL's port the one the sandbox got.
	require.NotEmpty(t, final.healthcheck)
	assert.Equal(t, final.entrypoint[0], final.healthcheck[0], "the health check runs the image's binary")
	check := append([]string(nil), final.healthcheck...)
	for i, a := range check {
		if hu, err := url.Parse(a); err == nil && hu.Scheme == "http" {
			assert.Equal(t, "127.0.0.1", hu.Hostname(), "the check calls the sandbox in its own container")
			assert.Equal(t, port, hu.Port(), "the check calls the port --addr serves")
			hu.Host = bu.Host
			check[i] = hu.String()
		}
	}
	out, err := imageCmd(check).CombinedOutput()
	require.NoError(t, err, "the HEALTHCHECK command: %s", out)

	// docker stop sends SIGTERM: the sandbox stops at once and cleanly.
	require.NoError(t, srv.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		assert.NoError(t, err, "exit status after SIGTERM\n%s", stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("the sandbox did not stop on SIGTERM (docker stop would kill it)")
	}
	out, err = imageCmd(check).CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "the HEALTHCHECK fails with the sandbox stopped: %s", out)
	assert.Equal(t, 1, ee.ExitCode(), "Docker reads exit 1 as unhealthy: %s", out)
}
