// Issue 31, item 2, through the real engine: a user's own program, raw resources in no particular
// order and no dependsOn, two FRR routers each with a filesystem of its own (NodeFilesystem) — FRR
// as in a container: its own /etc/frr (frr.conf bound read-only from the project), its own
// /run/frr, no pathspace — OSPF between them, `netns-lab exec r1 -- vtysh` reaching the node's own
// FRR; preview without changes; destroy leaves no namespace, daemon, mount or file; the host's
// /etc/frr untouched.
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/engine";
import { userProject } from "../support/project";
import { frrContainersProgram } from "../support/frr-program";
import { markedPids, namespaces, removeNamespaces, uniquePrefix } from "../support/names";
import { FS_ROOT } from "../../provider/kernel/nodefs";

jest.setTimeout(600_000);

// Behind `make test-netlab` (NETNS_LAB_FULL=1): make test covers the same through netlab.test.ts (FRR
// nodes with filesystems of their own, through the engine) and rootless.test.ts (the same program in the sandbox).
const frr = fs.existsSync("/usr/lib/frr/zebra") && process.getuid?.() === 0 && process.env.NETNS_LAB_FULL === "1";
const d = frr ? describe : describe.skip;

function digest(dir: string): string {
  const h = crypto.createHash("sha256");
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    h.update(`${p}\0${st.mode}\0${st.size}\0`);
    if (st.isFile()) h.update(fs.readFileSync(p));
    else if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
  };
  if (fs.existsSync(dir)) walk(dir);
  return h.digest("hex");
}

d("#31 item 2: FRR routers with filesystems of their own, as containers", () => {
  const prefix = uniquePrefix();
  // Made in beforeAll, not here: a skipped block's body still runs (to collect its tests) but its afterAll does not.
  let state = "";
  let dir = "";
  let env: NodeJS.ProcessEnv = {};
  beforeAll(() => {
    state = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-nodefs-state-"));
    dir = userProject(frrContainersProgram({ project: "fs-lab", prefix, subnet: "10.84.0" }));
    env = { ...process.env, PULUMI_BACKEND_URL: `file://${state}`, PULUMI_CONFIG_PASSPHRASE: "" };
  });
  const pulumi = (...args: string[]) => spawnSync(path.join(REPO, "bin/pulumi"), [...args, "--cwd", dir, "--stack", "dev"], { encoding: "utf8", env, timeout: 300_000 });
  const ok = (...args: string[]) => {
    const r = pulumi(...args);
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed (${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    return r.stdout;
  };
  const cli = (command: string, node: string, ...argv: string[]) =>
    spawnSync("node", [path.join(REPO, "dist", "cli", "netns-lab.js"), command, node, "--stack", "dev", "--cwd", dir, "--", ...argv], { encoding: "utf8", env, timeout: 60_000 });
  afterAll(() => {
    pulumi("destroy", "--yes", "--skip-preview");
    for (const p of markedPids("fs-lab/")) spawnSync("kill", ["-KILL", String(p)]);
    removeNamespaces(prefix);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(state, { recursive: true, force: true });
  });

  test("up: OSPF between the two nodes' own FRRs, vtysh through netns-lab exec; no change; destroy leaves nothing; the host's /etc/frr untouched", async () => {
    const hostFrr = digest("/etc/frr");
    const hostRun = () => (fs.existsSync("/run/frr") ? fs.readdirSync("/run/frr").sort() : null);
    const runBefore = hostRun();
    ok("stack", "init");
    ok("up", "--yes", "--skip-preview");
    expect(namespaces().filter((n) => n.startsWith(prefix)).sort()).toEqual([`${prefix}r1`, `${prefix}r2`]);
    // vtysh in the node reaches the node's own daemons (its /run/frr), with no pathspace.
    let neighbours = "";
    for (let i = 0; i < 60 && !/Full/.test(neighbours); i++) {
      if (i) await new Promise((r) => setTimeout(r, 1000));
      const r = cli("exec", `${prefix}r1`, "vtysh", "-c", "show ip ospf neighbor");
      neighbours = r.stdout + r.stderr;
    }
    expect(neighbours).toMatch(/2\.2\.2\.2\s+\d+\s+Full/);
    expect(cli("exec", `${prefix}r2`, "vtysh", "-c", "show running-config").stdout).toMatch(/hostname r2/);
    // The node's /run/frr is its own: the host's holds none of the nodes' sockets.
    expect(hostRun()).toEqual(runBefore);
    ok("preview", "--expect-no-changes");
    ok("destroy", "--yes", "--skip-preview");
    expect(namespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(markedPids("fs-lab/")).toEqual([]);
    expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(`${FS_ROOT}/${prefix}`);
    expect(fs.existsSync(FS_ROOT) ? fs.readdirSync(FS_ROOT).filter((f) => f.startsWith(prefix)) : []).toEqual([]);
    expect(digest("/etc/frr")).toBe(hostFrr);
  });
});
