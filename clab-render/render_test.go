package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
)

// One template, the functions' results: each case its own expected output or error.
func TestFuncs(t *testing.T) {
	cases := []struct{ tpl, want, err string }{
		{`{{ add 1 2 }}`, "3", ""},
		{`{{ add "1,000" 2 }}`, "1002", ""},
		{`{{ add 1.5 2 }}`, "3.5", ""},
		{`{{ add "1.5" 2 }}`, "3.5", ""},
		{`{{ add "0x10" 1 }}`, "17", ""},
		{`{{ add "x" 1 }}`, "", `expected a number: could not convert "x" to int64`},
		{`{{ subtract 10 3 }}`, "7", ""},
		{`{{ subtract 1 2.5 }}`, "-1.5", ""},
		{`{{ mul 6 7 }}`, "42", ""},
		{`{{ mul true 7 }}`, "7", ""},
		{`{{ div 7 2 }}`, "3.5", ""},
		{`{{ div 8 2 }}`, "4", ""},
		{`{{ div 1 0 }}`, "", "error: division by 0"},
		{`{{ rem 7 3 }}`, "1", ""},
		{`{{ rem 7 0 }}`, "", "divisor is zero"},
		{`{{ seq 3 }}`, "[1 2 3]", ""},
		{`{{ seq 2 5 }}`, "[2 3 4 5]", ""},
		{`{{ seq 1 8 3 }}`, "[1 4 7]", ""},
		{`{{ seq 8 4 2 }}`, "[8 6 4]", ""},
		{`{{ seq 5 1 }}`, "[5 4 3 2 1]", ""},
		{`{{ seq 1 5 0 }}`, "[]", ""},
		{`{{ seq 0 }}`, "[1 0]", ""},
		{`{{ seq }}`, "", "expected 1, 2, or 3 arguments, got 0"},
		{`{{ range seq 2 }}r{{ . }} {{ end }}`, "r1 r2 ", ""},
		{`{{ ToJSON .list }}`, `["a",1]`, ""},
		{`{{ ToJSON .top }}`, `{"k":"v"}`, ""},
		{`{{ ToJSONPretty .top "" "  " }}`, "{\n  \"k\": \"v\"\n}", ""},
		{`{{ strings.Split "," "a,b,c" }}`, "[a b c]", ""},
		{`{{ "a.b" | strings.Split "." }}`, "[a b]", ""},
		{`{{ strings.ReplaceAll "-" "_" "a-b-c" }}`, "a_b_c", ""},
		{`{{ strings.ReplaceAll "" "_" "abc" }}`, "abc", ""},
		{`{{ strings.ReplaceAll "a" "b" nil }}`, "", ""},
		{`{{ conv.Join .list "-" }}`, "a-1", ""},
		{`{{ conv.Join (seq 3) "," }}`, "1,2,3", ""},
		{`{{ conv.Join "x" "," }}`, "", "input to Join must be an array"},
		{`{{ conv.ToInt "42" }}`, "42", ""},
		{`{{ add (conv.ToInt "4") 1 }}`, "5", ""},
		{`{{ slice "netns" 0 3 }}`, "net", ""},
		{`{{ len .list }}`, "2", ""},
	}
	data := map[string]any{"list": []any{"a", 1}, "top": map[string]any{"k": "v"}}
	for _, c := range cases {
		t.Run(c.tpl, func(t *testing.T) {
			tp, err := template.New("t").Funcs(funcs()).Parse(c.tpl)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			err = tp.Execute(&b, data)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != c.want {
				t.Fatalf("got %q, want %q", b.String(), c.want)
			}
		})
	}
}

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVarsFilesFoundBesideTheTopology(t *testing.T) {
	dir := t.TempDir()
	topo := write(t, dir, "lab.clab.yml", "a={{ .a }} b={{ .b }} c={{ .c }} d={{ .d.x }}{{ .d.y }}\n")
	// Found in name order: lab.clab_vars.extra.json after lab.clab_vars.base.yml; .txt is not a vars file.
	write(t, dir, "lab.clab_vars.base.yml", "a: 1\nb: 2\nd: {x: 1, y: 2}\n")
	write(t, dir, "lab.clab_vars.extra.json", `{"b": 3, "d": {"x": 9}}`)
	write(t, dir, "lab.clab_vars.z.txt", "c: 7\n")
	out, err := render(topo, nil)
	if err != nil {
		t.Fatal(err)
	}
	// d is replaced whole by the later file (no deep merge below the top), so d.y has no value.
	if got, want := string(out), "a=1 b=3 c=<no value> d=9<no value>\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestNoVarsFileNoData(t *testing.T) {
	dir := t.TempDir()
	topo := write(t, dir, "lab.clab.yml", "x: {{ .x }}\n")
	out, err := render(topo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "x: <no value>\n" {
		t.Fatalf("got %q", out)
	}
}

func TestVarsFilesGivenInOrder(t *testing.T) {
	dir := t.TempDir()
	topo := write(t, dir, "lab.clab.yml", "{{ .a }} {{ .b }}\n")
	write(t, dir, "lab.clab_vars.yml", "a: beside\n") // not read: files were given
	one := write(t, dir, "one.yml", "a: 1\nb: 1\n")
	two := write(t, dir, "two.yml", "b: 2\n")
	out, err := render(topo, []string{one, "", two})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "1 2\n" {
		t.Fatalf("got %q", out)
	}
	if _, err := render(topo, []string{filepath.Join(dir, "missing.yml")}); err == nil {
		t.Fatal("a missing vars file must be an error")
	}
	bad := write(t, dir, "bad.yml", "a: [\n")
	if _, err := render(topo, []string{bad}); err == nil || !strings.Contains(err.Error(), "variables file 'bad.yml'") {
		t.Fatalf("error %v, want one naming bad.yml", err)
	}
}

// Vars files are YAML 1.1 as containerlab reads them (yaml.v2): y, on and no are booleans.
func TestVarsAreYAML11(t *testing.T) {
	dir := t.TempDir()
	topo := write(t, dir, "lab.clab.yml", "{{ .a }} {{ .b }} {{ .c }}\n")
	write(t, dir, "lab.clab_vars.yml", "a: y\nb: on\nc: \"y\"\n")
	out, err := render(topo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "true true y\n" {
		t.Fatalf("got %q", out)
	}
}

func TestSubTemplates(t *testing.T) {
	dir := t.TempDir()
	topo := write(t, dir, "lab.clab.yml", "nodes:\n{{- range seq 2 }}{{ template \"node.gotmpl\" . }}{{ end }}\n")
	write(t, dir, "clab_templates/node.gotmpl", "\n  h{{ . }}: {kind: linux}")
	out, err := render(topo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), "nodes:\n  h1: {kind: linux}\n  h2: {kind: linux}\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestEnvironmentAfterTheTemplate(t *testing.T) {
	t.Setenv("CR_SET", "set")
	t.Setenv("CR_EMPTY", "")
	dir := t.TempDir()
	cases := []struct{ in, want string }{
		{"$CR_SET ${CR_SET}", "set set"},
		{"$CR_UNSET ${CR_UNSET}", "$CR_UNSET $CR_UNSET"}, // left as written (braces dropped, as containerlab)
		{"$CR_EMPTY", "$CR_EMPTY"},
		{"${CR_UNSET:=dflt} ${CR_UNSET:-dflt2} ${CR_EMPTY:=e}", "dflt dflt2 e"},
		{"${CR_SET:=dflt}", "set"},
		{"${CR_UNSET-d} ${CR_SET+alt} ${CR_UNSET+alt}.", "d alt ."},
		{"$1 $$CR_SET", "$1 $CR_SET"},
		{"{{ \"$CR_SET\" }}", "set"}, // the template's output is expanded
	}
	for _, c := range cases {
		topo := write(t, dir, "lab.clab.yml", c.in)
		out, err := render(topo, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if string(out) != c.want {
			t.Errorf("%s: got %q, want %q", c.in, out, c.want)
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ in, err string }{
		{"{{ if }}", "missing value for if"},
		{"{{ nofunc 1 }}", `function "nofunc" not defined`},
		{"{{ div 1 0 }}", "failed to execute template"},
	}
	for _, c := range cases {
		topo := write(t, dir, "lab.clab.yml", c.in)
		if _, err := render(topo, nil); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want one containing %q", c.in, err, c.err)
		}
	}
}
