// Command pulumi-language-nodejs is netns-lab's own Node.js language host for the Pulumi engine.
//
// Why it exists: Pulumi publishes its Node.js language host as a separate Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that has no tags, and the Go
// module proxy these machines reach refuses every version of it ("403 This module version is not
// available", even for the exact pseudo-version of tag pkg/v3.248.0). The CLI itself (pkg/v3) is
// served. So we implement the small part of the LanguageRuntime gRPC service that running a Node.js
// program needs, on top of the protocol types in github.com/pulumi/pulumi/sdk/v3 at the same version.
//
// What it does: the engine starts it with the engine's address as the last argument; it listens on
// a free port, prints that port on stdout, and serves:
//
//   - Handshake, GetPluginInfo, GetRequiredPackages/GetRequiredPlugins (no plugins: netns-lab needs
//     only the dynamic-provider plugin, which the engine finds by name next to `pulumi`);
//
//   - Run: starts `node @pulumi/pulumi/cmd/run …` (the SDK's own runner, resolved from the program's
//     directory) with the monitor and engine addresses, project, stack, config and dry-run flag, and
//     TypeScript support through the project's ts-node (Pulumi.yaml runtime option `typescript`,
//     default true, plus `nodeargs` and `tsconfig`).
//
//   - InstallDependencies (`pulumi install`, and the install step of `pulumi new`), About and
//     GetProgramDependencies (`pulumi about`), RuntimeOptionsPrompts (none) and Template (`pulumi
//     new` from a local template): see install.go.
//
// What stock Pulumi's host does and this one does not (convert, packages, plugins and policy packs
// written in Node.js) answers with one line: "not supported by netns-lab's language host: …".
package main

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// exitAfterActionableMessage is the exit code @pulumi/pulumi's runner uses when it has already shown
// the user a complete error message; the engine should then not add one of its own ("bail").
const exitAfterActionableMessage = 32

func main() {
	parent := os.Getppid() // first: see exitWithParent
	flag.String("tracing", "", "Zipkin-compatible tracing endpoint (accepted, not used)")
	flag.String("root", "", "project root (accepted; the engine also sends it in every request)")
	flag.Parse()

	host := &languageHost{}
	if args := flag.Args(); len(args) > 0 {
		host.engineAddress = args[len(args)-1]
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	go exitWithParent(parent, host.engineAddress)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: gRPC server stopped: %v\n", err)
		os.Exit(1)
	}
}

// exitWithParent ends the host when the engine that started it is gone (killed with SIGKILL, say,
// when it has no chance to stop its plugins): an orphaned host would otherwise wait forever. The
// parent is read first thing; if the engine was killed before even that, that parent is already a
// reaper, so the engine's address is tried once: refused, the engine is gone. (Alive then, it was
// alive when the parent was read, which is therefore the engine.)
func exitWithParent(parent int, engine string) {
	if engine != "" {
		if c, err := net.DialTimeout("tcp", engine, 5*time.Second); err == nil {
			c.Close()
		} else if errors.Is(err, syscall.ECONNREFUSED) {
			os.Exit(0)
		}
	}
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			os.Exit(0)
		}
	}
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
}

func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml that this host understands.
type runtimeOptions struct {
	typescript bool
	nodeargs   []string
	tsconfig   string
}

func readOptions(info *pulumirpc.ProgramInfo) runtimeOptions {
	opts := runtimeOptions{typescript: true}
	if info == nil || info.GetOptions() == nil {
		return opts
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"].(bool); ok {
		opts.typescript = v
	}
	if v, ok := m["nodeargs"].(string); ok {
		opts.nodeargs = strings.Fields(v)
	}
	if v, ok := m["tsconfig"].(string); ok {
		opts.tsconfig = v
	}
	return opts
}

// findRunner looks for @pulumi/pulumi/cmd/run the way Node.js resolves a package: in node_modules of
// the program's directory and each of its parents.
func findRunner(from string) (string, error) {
	dir, err := filepath.Abs(from)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run", "index.js")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("@pulumi/pulumi is not installed for the program in %s "+
				"(no node_modules/@pulumi/pulumi in it or any parent directory): run `npm ci` there", from)
		}
		dir = parent
	}
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := req.GetPwd()
	entry := req.GetProgram()
	rootDir := ""
	if info != nil {
		if info.GetProgramDirectory() != "" {
			programDir = info.GetProgramDirectory()
		}
		if info.GetEntryPoint() != "" {
			entry = info.GetEntryPoint()
		}
		rootDir = info.GetRootDirectory()
	}
	if entry == "" {
		entry = "."
	}
	opts := readOptions(info)

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "node is not on PATH: install Node.js 20 or newer"}, nil
	}
	runner, err := findRunner(programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	h.mu.Lock()
	engine := h.engineAddress
	h.mu.Unlock()

	args := []string{}
	for _, pre := range preloads {
		if p, err := preloadFile(pre.name, pre.text); err == nil {
			args = append(args, "--require", p)
		}
	}
	args = append(args, opts.nodeargs...)
	args = append(args, runner,
		"--monitor="+req.GetMonitorAddress(),
		"--project="+req.GetProject(),
		"--stack="+req.GetStack(),
		"--pwd="+programDir,
		fmt.Sprintf("--parallel=%d", req.GetParallel()),
	)
	if engine != "" {
		args = append(args, "--engine="+engine)
	}
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	if rootDir != "" {
		args = append(args, "--root-directory="+rootDir)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	// Always an object and an array, as stock Pulumi's host passes them: a stack without config
	// gets {} and [], never null (which the SDK's config parser cannot read).
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeyList := req.GetConfigSecretKeys()
	if secretKeyList == nil {
		secretKeyList = []string{}
	}
	secretKeys, err := json.Marshal(secretKeyList)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
		fmt.Sprintf("PULUMI_NODEJS_TYPESCRIPT=%t", opts.typescript),
	)
	tsconfig := opts.tsconfig
	if tsconfig == "" && rootDir != "" {
		if _, err := os.Stat(filepath.Join(rootDir, "tsconfig.json")); err == nil {
			tsconfig = filepath.Join(rootDir, "tsconfig.json")
		}
	}
	if tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}

	cmd := exec.CommandContext(ctx, nodeBin, args...)
	cmd.Dir = programDir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	// On cancellation, ask the program to stop the way a terminal would, not with SIGKILL.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }

	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr):
		if exitErr.ExitCode() == exitAfterActionableMessage {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		// Stock Pulumi's words, so that users and tools see what they know.
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
		}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
}

//go:embed preload.js
var preloadJS []byte

//go:embed lazy-closure.js
var lazyClosureJS []byte

// What every program's node process loads first (node --require), in this order: preload.js, a
// work-around for a Node.js 20.20 bug that made some failing programs take half a minute to report;
// lazy-closure.js, which loads the SDK's closure serializer and code-path walker on their first call
// instead of at start (~0.4 s of every command; see there). The dynamic-provider plugin
// (engine/pulumi-resource-pulumi-nodejs) preloads the same lazy-closure.js.
var preloads = []struct {
	name string
	text []byte
}{{"preload", preloadJS}, {"lazy-closure", lazyClosureJS}}

// preloadFile writes a preload once per content, and returns its path. The file is in a directory
// of this user's alone ($TMPDIR/netns-lab-node-<uid>, 0700, checked to be a directory this user
// owns that nobody else may write): node loads what is there, so a file another user could
// rewrite after the check (a shared, sticky /tmp) must never be used; where the directory is not
// such (someone made it first), the preload is skipped.
func preloadFile(name string, text []byte) (string, error) {
	dir, err := ownDir(filepath.Join(os.TempDir(), fmt.Sprintf("netns-lab-node-%d", os.Getuid())))
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%x.js", name, sha256.Sum256(text)))
	if b, err := os.ReadFile(path); err == nil && string(b) == string(text) {
		return path, nil
	}
	tmp, err := os.CreateTemp(dir, name+"-*.js")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(text); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

// ownDir makes dir (0700) if it is not there, and returns it if it is a directory (not a link)
// owned by this user that no one else may write.
func ownDir(dir string) (string, error) {
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return "", err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Getuid() || fi.Mode().Perm()&0o022 != 0 {
		return "", fmt.Errorf("%s is not a directory of this user's alone: preloads skipped", dir)
	}
	return dir, nil
}
