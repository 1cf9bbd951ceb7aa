// containerlab's rendering of a topology file (clab-render/: Go's text/template with containerlab's
// functions, vars files, environment expansion). Its Go tests (clab-render/render_test.go: each
// function's result, vars files found and merged, sub-templates, the environment's rules) run by
// clab-render/build.sh --test; here the TypeScript side: renderContainerlab and `netns-lab render`.
import { spawnSync } from "child_process";
import { main, UsageError } from "../../cli/netns-lab";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { needsRendering, renderContainerlab, varsFilesBeside } from "../../provider/components/containerlab-render";
import { planContainerlab } from "../../provider/components/containerlab-plan";

const REPO = path.resolve(__dirname, "..", "..");

test("clab-render's own Go tests pass (with the envsubst patch applied)", () => {
  const r = spawnSync("bash", [path.join(REPO, "clab-render", "build.sh"), "--test"], { encoding: "utf8" });
  const out = `${r.stdout}\n${r.stderr}`;
  expect({ status: r.status, tail: out.trim().split("\n").slice(-3).join("\n") }).toEqual({ status: 0, tail: expect.stringContaining("ok  \tnetns-lab/clab-render") });
  for (const t of ["TestFuncs", "TestVarsFilesFoundBesideTheTopology", "TestVarsFilesGivenInOrder", "TestVarsAreYAML11", "TestSubTemplates", "TestEnvironmentAfterTheTemplate", "TestTemplateErrors"]) {
    expect(out).toContain(`--- PASS: ${t} `);
  }
}, 300_000);

describe("renderContainerlab", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "clab-render-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  test("a templated file with a vars file beside it becomes the lab it describes", () => {
    const file = write(
      "chain.clab.yml",
      `name: {{ .name }}
topology:
  nodes:
{{- range $i := seq .hosts }}
    h{{ $i }}: {kind: linux, image: \${IMG:=alpine:3}}
{{- end }}
  links:
{{- range $i := seq (subtract .hosts 1) }}
    - endpoints: ["h{{ $i }}:eth1", "h{{ add $i 1 }}:eth2"]
{{- end }}
`,
    );
    write("chain.clab_vars.yml", "name: tpl\nhosts: 4\n");
    expect(varsFilesBeside(file)).toEqual([path.join(dir, "chain.clab_vars.yml")]);
    const text = renderContainerlab(file);
    expect(text).toContain("    h4: {kind: linux, image: alpine:3}");
    const plan = planContainerlab(text, dir, file);
    expect(plan.name).toBe("tpl");
    expect(plan.nodes.map((n) => n.name)).toEqual(["h1", "h2", "h3", "h4"]);
    expect(plan.links.map((l) => `${l.ends[0].node}:${l.ends[0].interface}-${l.ends[1].node}:${l.ends[1].interface}`)).toEqual(["h1:eth1-h2:eth2", "h2:eth1-h3:eth2", "h3:eth1-h4:eth2"]);
  });

  test("vars files given replace those beside it, merged in order; a rendering error names the file", () => {
    const file = write("lab.clab.yml", "name: {{ .name }}-{{ .n }}\n");
    write("lab.clab_vars.yml", "name: beside\nn: 0\n");
    const a = write("a.yml", "name: given\nn: 1\n");
    const b = write("b.yml", "n: 2\n");
    expect(renderContainerlab(file)).toBe("name: beside-0\n");
    expect(renderContainerlab(file, [a, b])).toBe("name: given-2\n");
    write("bad.clab.yml", "name: {{ .name \n");
    expect(() => renderContainerlab(path.join(dir, "bad.clab.yml"))).toThrow(/bad\.clab\.yml: rendering as containerlab does .*unclosed action/);
  });

  test("a plain file is itself, without the helper; $ or {{ anywhere sends it through", () => {
    const plain = write("p.clab.yml", "name: p\ntopology: {nodes: {a: {kind: linux}}}\n");
    expect(needsRendering(fs.readFileSync(plain, "utf8"), plain)).toBe(false);
    const saved = process.env.NETNS_LAB_CLAB_RENDER;
    process.env.NETNS_LAB_CLAB_RENDER = "/nonexistent/clab-render";
    try {
      expect(renderContainerlab(plain)).toBe("name: p\ntopology: {nodes: {a: {kind: linux}}}\n");
      const dollar = write("d.clab.yml", "name: d\n# $HOME\n");
      expect(needsRendering(fs.readFileSync(dollar, "utf8"), dollar)).toBe(true);
      expect(() => renderContainerlab(dollar)).toThrow(/ENOENT|nonexistent/);
    } finally {
      if (saved === undefined) delete process.env.NETNS_LAB_CLAB_RENDER;
      else process.env.NETNS_LAB_CLAB_RENDER = saved;
    }
    expect(renderContainerlab(path.join(dir, "d.clab.yml"))).toBe(`name: d\n# ${os.homedir()}\n`);
  });

  test("netns-lab render prints the rendering; --vars takes a list", async () => {
    const file = write("r.clab.yml", "name: {{ .a }}{{ .b }}\n");
    const a = write("va.yml", "a: x\n");
    const b = write("vb.yml", "b: yz\n");
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    try {
      expect(await main(["render", file, "--vars", `${a},${b}`])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(out.join("")).toBe("name: xyz\n");
    await expect(main(["render", path.join(dir, "missing.clab.yml")])).rejects.toThrow(new UsageError(`${path.join(dir, "missing.clab.yml")}: no such file`));
    await expect(main(["render"])).rejects.toThrow(/render needs one topology file/);
  });
});

describe("Go found beyond a login shell's PATH (#35 item 5)", () => {
  let cache: string;
  beforeEach(() => {
    cache = fs.mkdtempSync(path.join(os.tmpdir(), "nlt-gocache-"));
  });
  afterEach(() => fs.rmSync(cache, { recursive: true, force: true }));
  const build = (env: Record<string, string>) =>
    spawnSync("bash", [path.join(REPO, "clab-render", "build.sh")], { encoding: "utf8", env: { HOME: process.env.HOME!, PATH: "/usr/bin:/bin", NETNS_LAB_ENGINE_CACHE: cache, ...env } });

  test("a login PATH without /usr/local/go/bin: Go is found there", () => {
    const r = build({});
    expect({ status: r.status, out: r.stdout.trim() }).toEqual({ status: 0, out: expect.stringMatching(new RegExp(`^${cache}/clab-render-[0-9a-f]{12}/clab-render$`)) });
  }, 120_000);

  test("a Go too old (Debian 12's 1.19) or none: refused, saying where to get one", () => {
    const old = path.join(cache, "go");
    fs.writeFileSync(old, '#!/bin/sh\n[ "$1 $2" = "env GOVERSION" ] && echo go1.19.8\n');
    fs.chmodSync(old, 0o755);
    const r = build({ NETNS_LAB_GO: old });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`need Go >= 1.25; found only: ${old} (Go 1.19.8). Debian 12's golang package is Go 1.19, too old: install Go from https://go.dev/dl`);
    const none = build({ NETNS_LAB_GO: path.join(cache, "nothing") });
    expect([none.status, none.stderr]).toEqual([1, expect.stringContaining("need Go >= 1.25. Debian 12's golang")]);
  });
});
