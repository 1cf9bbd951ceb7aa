// The host methods users reach besides Run: `pulumi install` and the install step of `pulumi new`
// (InstallDependencies), `pulumi about` (About, GetProgramDependencies), and what `pulumi new` from a
// local template asks (RuntimeOptionsPrompts, Template). Everything else stock Pulumi's host does
// answers with one clear line.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func notSupported(what string) error {
	return status.Errorf(codes.Unimplemented, "not supported by netns-lab's language host: %s", what)
}

// projectDir is where the program's package.json is: the program directory or the nearest parent
// holding one, up to the project root; else the project root.
func projectDir(info *pulumirpc.ProgramInfo, fallback string) string {
	root := fallback
	dir := fallback
	if info != nil {
		if info.GetRootDirectory() != "" {
			root = info.GetRootDirectory()
		}
		dir = info.GetProgramDirectory()
		if dir == "" {
			dir = root
		}
	}
	for d := dir; d != ""; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "package.json")); err == nil {
			return d
		}
		if d == root || d == filepath.Dir(d) {
			break
		}
	}
	return root
}

// streamWriter sends what a command prints to the engine as it comes.
type streamWriter struct {
	send   func(*pulumirpc.InstallDependenciesResponse) error
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	b := append([]byte{}, p...)
	msg := &pulumirpc.InstallDependenciesResponse{Stdout: b}
	if w.stderr {
		msg = &pulumirpc.InstallDependenciesResponse{Stderr: b}
	}
	if err := w.send(msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

// InstallDependencies runs `npm ci` where a package-lock.json is, else `npm install`, in the
// program's package directory, streaming npm's output.
func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	dir := projectDir(req.GetInfo(), req.GetDirectory())
	if pm, ok := readOptionsMap(req.GetInfo())["packagemanager"].(string); ok && pm != "" && pm != "npm" {
		return notSupported(fmt.Sprintf("packagemanager %q (it installs with npm only)", pm))
	}
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		return fmt.Errorf("no package.json in %s: nothing to install", dir)
	}
	verb := "install"
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		verb = "ci"
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("npm is not on PATH: install Node.js 20 or newer with npm")
	}
	stdout := streamWriter{send: server.Send}
	fmt.Fprintf(stdout, "Installing dependencies in %s: npm %s\n", dir, verb)
	cmd := exec.CommandContext(server.Context(), npm, verb, "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Stdout = stdout
	cmd.Stderr = streamWriter{send: server.Send, stderr: true}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm %s failed in %s: %w", verb, dir, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return nil
}

func readOptionsMap(info *pulumirpc.ProgramInfo) map[string]interface{} {
	if info == nil || info.GetOptions() == nil {
		return map[string]interface{}{}
	}
	return info.GetOptions().AsMap()
}

// About names the Node.js that runs programs and its version (without the leading "v").
func (h *languageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node is not on PATH: install Node.js 20 or newer")
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("could not run %s --version: %w", node, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{},
	}, nil
}

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// installedVersion resolves a package the way Node.js does, from dir upward, and reads its version.
func installedVersion(dir, name string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if p, err := readPackageJSON(filepath.Join(d, "node_modules", name, "package.json")); err == nil {
			return p.Version
		}
		if d == filepath.Dir(d) {
			return ""
		}
	}
}

// GetProgramDependencies lists the program's packages with their installed versions: those its
// package.json names, or with transitive dependencies every package in node_modules.
func (h *languageHost) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := projectDir(req.GetInfo(), req.GetPwd())
	pkg, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, fmt.Errorf("reading the program's package.json: %w", err)
	}
	versions := map[string]string{}
	for _, deps := range []map[string]string{pkg.Dependencies, pkg.DevDependencies} {
		for name := range deps {
			versions[name] = installedVersion(dir, name)
		}
	}
	if req.GetTransitiveDependencies() {
		entries, _ := filepath.Glob(filepath.Join(dir, "node_modules", "*", "package.json"))
		scoped, _ := filepath.Glob(filepath.Join(dir, "node_modules", "@*", "*", "package.json"))
		for _, f := range append(entries, scoped...) {
			if p, err := readPackageJSON(f); err == nil && p.Name != "" {
				versions[p.Name] = p.Version
			}
		}
	}
	names := make([]string, 0, len(versions))
	for n := range versions {
		names = append(names, n)
	}
	sort.Strings(names)
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, n := range names {
		v := versions[n]
		if v == "" {
			v = "(not installed)"
		}
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: n, Version: v})
	}
	return resp, nil
}

// RuntimeOptionsPrompts asks nothing: npm is the package manager, TypeScript the default.
func (h *languageHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// checkoutPlaceholder stands in a template's package.json for the netns-lab checkout the engine
// runs from (NETNS_LAB_CHECKOUT, set by bin/pulumi): `"netns-lab": "file:@@NETNS_LAB@@"`.
const checkoutPlaceholder = "@@NETNS_LAB@@"

// Template fills in, after `pulumi new` copied a template (and put the project's name in place of
// ${PROJECT}), the path of the netns-lab checkout in package.json. The file is otherwise untouched.
func (h *languageHost) Template(_ context.Context, req *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	path := filepath.Join(projectDir(req.GetInfo(), ""), "package.json")
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), checkoutPlaceholder) {
		return &pulumirpc.TemplateResponse{}, nil // nothing to fill in
	}
	checkout := os.Getenv("NETNS_LAB_CHECKOUT")
	if checkout == "" {
		return nil, fmt.Errorf("%s names the netns-lab checkout as %s: run `pulumi new` through <checkout>/bin/pulumi "+
			"(or set NETNS_LAB_CHECKOUT)", path, checkoutPlaceholder)
	}
	text := strings.ReplaceAll(string(b), checkoutPlaceholder, checkout)
	return &pulumirpc.TemplateResponse{}, os.WriteFile(path, []byte(text), 0o644)
}

func (h *languageHost) GenerateProject(context.Context, *pulumirpc.GenerateProjectRequest) (*pulumirpc.GenerateProjectResponse, error) {
	return nil, notSupported("pulumi convert (GenerateProject)")
}

func (h *languageHost) GenerateProgram(context.Context, *pulumirpc.GenerateProgramRequest) (*pulumirpc.GenerateProgramResponse, error) {
	return nil, notSupported("program generation (GenerateProgram: pulumi convert, pulumi import --out)")
}

func (h *languageHost) GeneratePackage(context.Context, *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	return nil, notSupported("SDK generation (GeneratePackage: pulumi package add, pulumi package gen-sdk)")
}

func (h *languageHost) Pack(context.Context, *pulumirpc.PackRequest) (*pulumirpc.PackResponse, error) {
	return nil, notSupported("packing an SDK (Pack)")
}

func (h *languageHost) Link(context.Context, *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return nil, notSupported("linking a generated SDK into the program (Link: pulumi package add)")
}

func (h *languageHost) RunPlugin(*pulumirpc.RunPluginRequest, grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	return notSupported("plugins and policy packs written in Node.js (RunPlugin)")
}

var _ io.Writer = streamWriter{}
