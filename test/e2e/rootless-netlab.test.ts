// Issue 31 ("as root and as a user who is not root"): a netlab topology run by an ordinary user made
// for the run (no capability, through a login shell). The user installs netlab with the project's
// own script from the wheels root's set-up kept (NETNS_LAB_NETLAB_WHEELS: pip reaches no index),
// writes a 3-line program and netlab's topology in a project of their own, and runs it in their
// sandbox: up, the topology's validate tests green through `netns-lab validate` (netlab's plugins,
// our docker), FRR's daemons under FRR's user of the sandbox (neither root nor the user), no change,
// destroy leaves no namespace, daemon or mount; the host's root namespace and files untouched.
// Behind `make test-netlab` (NETNS_LAB_FULL=1): make test runs the same topology as root
// (netlab.test.ts) and nodes with filesystems of their own in the sandbox (rootless.test.ts).
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { netlabCommand } from "../../provider/components/netlab";
import { ospfTriangle } from "../support/netlab";
import { hostRoot, makeUser, processesOf, sandboxNamespaces, TestUser } from "../support/user";

jest.setTimeout(900_000);

const ready = process.getuid?.() === 0 && fs.existsSync("/usr/lib/frr/zebra") && fs.existsSync(netlabCommand()) && process.env.NETNS_LAB_FULL === "1";

(ready ? describe : describe.skip)("#31: a netlab topology as a user who is not root", () => {
  let u: TestUser;
  let before: Record<string, string[]>;
  const prefix = `nltn${Math.random().toString(36).slice(2, 5)}`;
  const ok = (argv: string[], o?: Parameters<TestUser["run"]>[1]) => {
    const r = u.run(argv, o);
    if (r.status !== 0) {
      const said = r.stdout.slice(r.stdout.indexOf("Diagnostics:"), r.stdout.indexOf("Outputs:") >>> 0).slice(0, 6000); // pulumi's diagnostics come before its long outputs
      throw new Error(`${argv.join(" ")} as ${u.name} failed (${r.status ?? r.signal}):\n${said}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-3000)}`);
    }
    return r.stdout;
  };
  const frrOfUser = () => spawnSync("pgrep", ["-f", "^/usr/lib/frr/"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).map(Number).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, "utf8").includes(`NETNS_LAB_OWNER=mynetlab/`);
    } catch {
      return false;
    }
  });
  let dir = "";

  beforeAll(() => {
    before = hostRoot();
    u = makeUser(`nltu${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`);
    dir = path.join(u.home, "mynetlab");
  });
  afterAll(() => {
    if (u && dir) u.run(["bin/pulumi", "destroy", "--yes", "--skip-preview", "--cwd", dir]);
    for (const pid of frrOfUser()) spawnSync("kill", ["-KILL", String(pid)]);
    u?.remove();
  });

  test("install netlab from the kept wheels, up in the sandbox, validate green, no change, destroy leaves nothing; the host untouched", async () => {
    // The wheels root's make deps kept, given to the user as a copy (no index reached).
    const wheels = path.join(path.dirname(path.dirname(netlabCommand())), "wheels");
    const mine = path.join(u.home, "wheels");
    fs.cpSync(wheels, mine, { recursive: true });
    execFileSync("chown", ["-R", `${u.name}:${u.name}`, mine]);
    const installed = ok(["netlab/install.sh"], { env: { NETNS_LAB_NETLAB_WHEELS: mine, PIP_NO_INDEX: "1" } }).trim();
    expect(installed).toBe(path.join(u.home, ".cache", "netns-lab", "netlab-26.10", "bin", "netlab"));

    ok(["mkdir", "-p", path.join(dir, "node_modules")]);
    // node_modules as npm install would leave them: netns-lab linked, its dependencies beside it.
    ok(["sh", "-c", 'for e in "$1"/node_modules/*; do ln -s "$e" "$2/node_modules/"; done; ln -s "$1" "$2/node_modules/netns-lab"', "sh", u.clone, dir]);
    const files: Record<string, string> = {
      "Pulumi.yaml": "name: mynetlab\nruntime: nodejs\nmain: index.ts\n",
      "package.json": JSON.stringify({ name: "mynetlab", private: true }),
      "index.ts": `import { netlab } from "netns-lab";\nconst lab = netlab("topology.yml");\nexport const description = lab.describe();\n`,
      "topology.yml": ospfTriangle(prefix),
    };
    for (const [f, text] of Object.entries(files)) ok(["tee", path.join(dir, f)], { input: text });
    ok(["bin/pulumi", "stack", "init", "dev", "--cwd", dir]);
    const hostFiles = spawnSync("sha256sum", ["--", ...fs.readdirSync("/etc/frr").map((f) => `/etc/frr/${f}`), "/etc/hosts"], { encoding: "utf8" }).stdout;

    ok(["bin/pulumi", "up", "--yes", "--skip-preview", "--cwd", dir]);
    expect(sandboxNamespaces(u)).toEqual(["h1", "h2", "r1", "r2", "r3"].map((n) => `${prefix}-${n}`));
    expect(hostRoot()).toEqual(before);
    // FRR's daemons run as FRR's user of the sandbox (a subordinate id): neither root nor the user.
    const daemons = frrOfUser();
    const names = daemons.map((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0].replace("/usr/lib/frr/", "")).sort();
    for (const dmn of ["zebra", "staticd", "ospfd"]) expect(names.filter((n) => n === dmn).length).toBe(3); // in each of r1, r2, r3
    for (const pid of daemons) expect([0, u.uid]).not.toContain(fs.statSync(`/proc/${pid}`).uid);

    const validate = u.run(["bin/netns-lab", "validate", "--cwd", dir]);
    expect(validate.stdout + validate.stderr).toMatch(/adj[\s\S]*PASS[\s\S]*ping[\s\S]*PASS/);
    expect(validate.status).toBe(0);
    expect(ok(["bin/netns-lab", "exec", "r2", "--cwd", dir, "--", "vtysh", "-c", "show ip ospf neighbor"]).match(/Full/g)?.length).toBe(2);
    ok(["bin/pulumi", "preview", "--expect-no-changes", "--cwd", dir]);

    ok(["bin/pulumi", "destroy", "--yes", "--skip-preview", "--cwd", dir]);
    expect(sandboxNamespaces(u)).toEqual([]);
    expect(frrOfUser()).toEqual([]);
    expect(hostRoot()).toEqual(before);
    expect(spawnSync("sha256sum", ["--", ...fs.readdirSync("/etc/frr").map((f) => `/etc/frr/${f}`), "/etc/hosts"], { encoding: "utf8" }).stdout).toBe(hostFiles);
    // Only the sandbox's holder runs on (a process that just ended may still wait to be reaped: up to 5 s).
    const others = () => processesOf(u.name).filter((p) => !/sleep infinity/.test(p));
    for (let i = 0; i < 50 && others().length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(others()).toEqual([]);
  });
});
