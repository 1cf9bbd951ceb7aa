// clab-render renders a containerlab topology file as containerlab renders it before reading it as
// YAML (containerlab's core/file.go, LoadTopologyFromFile), and prints the result:
//
//		clab-render [--vars FILE]... TOPOLOGY
//
//	 1. The file is a Go text/template named after its base name, with containerlab's functions
//	    (funcs.go) and, when the file's directory has them, the sub-templates clab_templates/*.gotmpl
//	    ({{ template "x.gotmpl" . }}).
//	 2. Its data: the vars files given, read as YAML (yaml.v2, as containerlab) in order and merged at
//	    the top: a later file's top-level key replaces the earlier file's value whole (containerlab's
//	    merge recurses only into map[string]any, and yaml.v2 reads deeper mappings as
//	    map[interface{}]interface{}). Without --vars, the files beside the topology named
//	    `<file without its last extension>_vars.*` ending .yaml, .yml or .json (for lab.clab.yml:
//	    lab.clab_vars.yml, lab.clab_vars.extra.json), in name order; none, no data.
//	 3. The result's environment variables expanded as containerlab expands them (hellt/envsubst's
//	    BytesRestrictedNoReplace: a set variable is replaced, ${X:=default} and ${X:-default} give
//	    their default when X is unset or empty, an unset or empty $X or ${X} stays as $X, $1 stays).
//
// Exit status 1 with the error on stderr when the file does not parse or render.
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/a8m/envsubst/parse"
	"gopkg.in/yaml.v2"
)

func main() {
	var vars []string
	var topo string
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--vars" && i+1 < len(args):
			i++
			vars = append(vars, strings.Split(args[i], ",")...)
		case strings.HasPrefix(a, "--vars="):
			vars = append(vars, strings.Split(strings.TrimPrefix(a, "--vars="), ",")...)
		case strings.HasPrefix(a, "-") || topo != "":
			fmt.Fprintln(os.Stderr, "usage: clab-render [--vars FILE]... TOPOLOGY")
			os.Exit(2)
		default:
			topo = a
		}
	}
	if topo == "" {
		fmt.Fprintln(os.Stderr, "usage: clab-render [--vars FILE]... TOPOLOGY")
		os.Exit(2)
	}
	out, err := render(topo, vars)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}

func render(topo string, varsFiles []string) ([]byte, error) {
	abs, err := filepath.Abs(topo)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, err
	}
	t, err := template.New(filepath.Base(abs)).Funcs(funcs()).ParseFiles(abs)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(abs)
	fsys := os.DirFS(dir)
	subs, err := fs.Glob(fsys, "clab_templates/*.gotmpl")
	if err != nil {
		return nil, err
	}
	if len(subs) > 0 {
		if t, err = t.ParseFS(fsys, subs...); err != nil {
			return nil, err
		}
	}
	data, err := readVars(abs, varsFiles)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("failed to execute template: %v", err)
	}
	s, err := parse.New("bytes", os.Environ(), &parse.Restrictions{NoUnset: false, NoEmpty: false, NoDigit: true, NoReplace: true}).Parse(buf.String())
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func readVars(topo string, files []string) (any, error) {
	if len(files) == 0 {
		dir := filepath.Dir(topo)
		base := filepath.Base(topo)
		glob := strings.TrimSuffix(base, filepath.Ext(base)) + "_vars.*"
		found, err := fs.Glob(os.DirFS(dir), glob)
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			if slices.Contains([]string{".yaml", ".yml", ".json"}, filepath.Ext(f)) {
				files = append(files, filepath.Join(dir, f))
			}
		}
		if len(files) == 0 {
			return nil, nil
		}
	}
	merged := map[string]any{}
	for _, f := range files {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("variables file '%s': %w", filepath.Base(f), err)
		}
		merge(merged, m)
	}
	return merged, nil
}

// merge: a key of both, when both values are map[string]any, merged the same way; otherwise the
// later value. yaml.v2 gives map[string]any only at the top (deeper mappings are
// map[interface{}]interface{}), so in effect only top-level keys merge, as in containerlab.
func merge(dst, src any) any {
	d, ok1 := dst.(map[string]any)
	s, ok2 := src.(map[string]any)
	if !ok1 || !ok2 {
		return src
	}
	for k, v := range s {
		if old, ok := d[k]; ok {
			d[k] = merge(old, v)
		} else {
			d[k] = v
		}
	}
	return d
}
