// Issue 31 item 4, the pure parts of netns-lab validate: which labs can be validated, the command
// it runs (netlab's validate in the work directory, our docker first on PATH, each container by
// netlab's name for it mapped to the argument array that enters its node), and our docker itself.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { LabDescription } from "../../provider/components/description";
import { validateCommand, validateProblem } from "../../cli/validate";

const SHIM = path.join(__dirname, "..", "..", "netlab", "bin", "docker");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-validate-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const lab = (netlab?: { workDir: string }): LabDescription => ({
  name: "t",
  nodes: [
    { name: "r1", role: "router", namespace: "t-r1", interfaces: [], filesystem: true },
    { name: "h1", role: "host", namespace: "t-h1", interfaces: [] },
  ],
  links: [],
  ...(netlab ? { netlab } : {}),
});

describe("which labs can be validated", () => {
  const cases: Array<[string, () => LabDescription, RegExp | undefined]> = [
    ["a lab not made by netlab()", () => lab(), /was not made from a netlab topology \(netlab\(\)\): it has no validate tests; netns-lab verify pings every node/],
    ["a work directory netlab has not written", () => lab({ workDir: path.join(work, "none") }), /has no netlab.snapshot.pickle: run pulumi up/],
    ["a work directory with netlab's snapshot", () => lab({ workDir: work }), undefined],
  ];
  beforeAll(() => {
    fs.writeFileSync(path.join(work, "netlab.snapshot.pickle"), "");
    fs.writeFileSync(path.join(work, "netlab.json"), JSON.stringify({ name: "t", nodes: { r1: { name: "r1", device: "frr", hostname: "clab-t-r1" }, h1: { name: "h1", device: "linux", hostname: "clab-t-h1" } }, links: [] }));
  });
  test.each(cases)("%s", (_what, l, problem) => {
    const p = validateProblem(l());
    if (problem) expect(p).toMatch(problem);
    else expect(p).toBeUndefined();
  });

  test("the command: netlab validate with netlab's own options, in the work directory; our docker first on PATH; each container entering its node", () => {
    // As root sees it (no sandbox: a user's would be started to enter it; the unit tests start none).
    const saved = process.env.NETNS_LAB_SANDBOX;
    process.env.NETNS_LAB_SANDBOX = "0";
    let c: ReturnType<typeof validateCommand>;
    try {
      c = validateCommand(lab({ workDir: work }), ["--test", "adj"], { PATH: "/usr/bin:/bin", NETNS_LAB_NETLAB: "/opt/netlab" });
    } finally {
      if (saved === undefined) delete process.env.NETNS_LAB_SANDBOX;
      else process.env.NETNS_LAB_SANDBOX = saved;
    }
    expect([c.file, c.args, c.cwd]).toEqual(["/opt/netlab", ["validate", "--test", "adj"], work]);
    expect(c.env.PATH!.split(":")[0]).toBe(path.dirname(SHIM));
    expect(c.env.PATH!.split(":").slice(-2)).toEqual(["/usr/bin", "/bin"]);
    expect(JSON.parse(c.env.NETNS_LAB_DOCKER_NODES!)).toEqual({
      "clab-t-r1": ["nsenter", "--net=/run/netns/t-r1", "--mount=/run/netns-lab/fs/t-r1/mnt", "--"],
      "clab-t-h1": ["ip", "netns", "exec", "t-h1"],
    });
  });
});

describe("netlab/bin/docker: docker exec into a node, nothing else", () => {
  const nodes = JSON.stringify({ "clab-t-r1": ["echo", "in-r1"] });
  const docker = (args: string[], env: Record<string, string> = { NETNS_LAB_DOCKER_NODES: nodes }) =>
    spawnSync(SHIM, args, { encoding: "utf8", env: { PATH: process.env.PATH!, ...env } });
  const cases: Array<[string, string[], Record<string, string> | undefined, number, string, RegExp | undefined]> = [
    ["docker exec: the command after the node's argument array, as given", ["exec", "clab-t-r1", "bash", "-c", "vtysh -c 'show ip ospf neighbor json'"], undefined, 0, "in-r1 bash -c vtysh -c 'show ip ospf neighbor json'\n", undefined],
    ["docker exec -it (netlab at a terminal): the same", ["exec", "-it", "clab-t-r1", "bash", "-c", "true"], undefined, 0, "in-r1 bash -c true\n", undefined],
    ["a container that is no node of the lab", ["exec", "clab-t-r9", "bash"], undefined, 125, "", /no node of the lab is the container "clab-t-r9" \(the lab's: clab-t-r1\)/],
    ["any other docker command", ["ps"], undefined, 125, "", /only "docker exec" is served \(netlab asked for "docker ps"\)/],
    ["outside netns-lab validate", ["exec", "clab-t-r1", "true"], {}, 125, "", /NETNS_LAB_DOCKER_NODES is not set: it runs only under netns-lab validate/],
  ];
  test.each(cases)("%s", (_what, args, env, code, stdout, stderr) => {
    const r = docker(args, env);
    expect(r.status).toBe(code);
    expect(r.stdout).toBe(stdout);
    if (stderr) expect(r.stderr).toMatch(stderr);
    else expect(r.stderr).toBe("");
  });
  test("the node's command's exit status is docker's", () => {
    expect(docker(["exec", "x", "sh", "-c", "exit 7"], { NETNS_LAB_DOCKER_NODES: JSON.stringify({ x: ["env"] }) }).status).toBe(7);
  });
});

describe("the CPUs a refused mount namespace is made again on (kernel/nodefs.ts cpuList)", () => {
  const { cpuList } = require("../../provider/kernel/nodefs") as typeof import("../../provider/kernel/nodefs");
  test.each([
    ["0-1\n", [0, 1]],
    ["0", [0]],
    ["0-3,6,8-9", [0, 1, 2, 3, 6, 8, 9]],
    ["", []],
  ])("%j", (text, cpus) => {
    expect(cpuList(text)).toEqual(cpus);
  });
});

describe("where a bind's mount point comes from (kernel/nodefs.ts mountPoint)", () => {
  const { mountPoint } = require("../../provider/kernel/nodefs") as typeof import("../../provider/kernel/nodefs");
  const D = { isDirectory: true }, F = { isDirectory: false };
  test.each([
    ["in the node's own /etc (copy-on-write)", "/etc/app/x.conf", false, undefined, true, "own"],
    ["in its own /tmp", "/tmp/x", true, undefined, true, "own"],
    ["a file onto a file this machine has", "/opt/app.conf", false, F, true, "host"],
    ["a directory onto one this machine has", "/mnt", true, D, true, "host"],
    ["a file at / this machine lacks", "/note.txt", false, undefined, false, "root"],
    ["a directory under a top-level path this machine lacks", "/app/conf", true, undefined, false, "root"],
    ["under a top-level directory this machine has, missing there", "/srv/x", false, undefined, true, { problem: expect.stringMatching(/^\/srv\/x does not exist on this machine, but \/srv does; outside the node's own/) }],
    ["a file onto a directory", "/srv", false, D, true, { problem: expect.stringMatching(/^\/srv on this machine is a directory and the bound one is a file; /) }],
    ["a directory onto a file", "/etc2", true, F, true, { problem: expect.stringMatching(/^\/etc2 on this machine is a file and the bound one is a directory; /) }],
  ] as const)("%s", (_, target, isDir, at, top, want) => {
    expect(mountPoint(target, isDir, at, top)).toEqual(want);
  });
});

describe("whether a file bind's mount point is there in the node (kernel/nodefs.ts mountPointSeen)", () => {
  const { mountPointSeen } = require("../../provider/kernel/nodefs") as typeof import("../../provider/kernel/nodefs");
  const dir = (source: string, target: string) => ({ source, target, isDir: true });
  const file = (source: string, target: string) => ({ source, target, isDir: false });
  test.each([
    ["under the node's own /tmp: nothing there", "/tmp/x.conf", [], false],
    ["under /root", "/root/.ssh/authorized_keys", [], false],
    ["under /var/log (its own, inside the overlaid /var)", "/var/log/frr/frr.log", [], false],
    ["/etc/frr/vtysh.conf, which netns-lab writes", "/etc/frr/vtysh.conf", [], true],
    ["another file of /etc/frr", "/etc/frr/frr.conf", [], false],
    ["under the overlaid /etc: the host's", "/etc/hosts", [], { host: "/etc/hosts" }],
    ["under the overlaid /var", "/var/lib/x", [], { host: "/var/lib/x" }],
    ["outside the node's trees: the host's", "/opt/app/x", [], { host: "/opt/app/x" }],
    ["under a directory bound earlier: its source's", "/tmp/d/sub/f", [dir("/srv/d", "/tmp/d")], { host: "/srv/d/sub/f" }],
    ["the latest of two directories bound at one place", "/etc/x/f", [dir("/a", "/etc/x"), dir("/b", "/etc/x")], { host: "/b/f" }],
    ["a file bound there earlier", "/tmp/f", [file("/srv/f", "/tmp/f")], true],
    ["a directory bound at a sibling path is no parent", "/tmp/dd/f", [dir("/srv/d", "/tmp/d")], false],
  ] as const)("%s", (_, target, earlier, want) => {
    expect(mountPointSeen(target, earlier)).toEqual(want);
  });
});
