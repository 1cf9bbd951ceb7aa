// Command building and error classification: pure functions, no kernel.
import { classify } from "../../provider/kernel/exec";
import { plan, routeArgs } from "../../provider/kernel/route";

describe("route commands", () => {
  test("add carries gateway, device, metric and our protocol marker", () => {
    expect(routeArgs("add", { destination: "10.0.2.0/24", via: "10.0.1.2", device: "r1-r2", metric: 5 })).toEqual(
      ["route", "add", "10.0.2.0/24", "via", "10.0.1.2", "dev", "r1-r2", "metric", "5", "proto", "78"]);
  });
  test("an IPv6 default route is written ::/0 so ip picks the family", () => {
    expect(routeArgs("add", { destination: "default", via: "fd00::1" })).toEqual(["route", "add", "::/0", "via", "fd00::1", "proto", "78"]);
  });
  test("del names only the route's key", () => {
    expect(routeArgs("del", { destination: "default", via: "10.0.0.1", metric: 7 })).toEqual(["route", "del", "default", "metric", "7", "proto", "78"]);
  });
});

describe("RouteTable plan", () => {
  const a = { destination: "10.0.2.0/24", via: "10.0.1.2" };
  const b = { destination: "10.0.3.0/24", via: "10.0.1.2" };
  test("from nothing: one add per route", () => {
    expect(plan([], [a, b])).toEqual([routeArgs("add", a).join(" "), routeArgs("add", b).join(" ")]);
  });
  test("only what changed: remove b, replace a's gateway", () => {
    expect(plan([a, b], [{ ...a, via: "10.0.1.3" }])).toEqual([
      routeArgs("del", b).join(" "),
      routeArgs("replace", { ...a, via: "10.0.1.3" }).join(" "),
    ]);
  });
  test("no change, no command", () => {
    expect(plan([a, b], [b, a])).toEqual([]);
  });
  test("a gateway written another way is no change", () => {
    expect(plan([{ destination: "fd00:2::/64", via: "fd00::1" }], [{ destination: "fd00:2::/64", via: "fd00:0::1" }])).toEqual([]);
  });
});

describe("kernel messages become kinds of failure", () => {
  test.each([
    ["RTNETLINK answers: Operation not permitted", "not-permitted"],
    ['Cannot open network namespace "x": No such file or directory', "no-namespace"],
    ['Cannot find device "eth9"', "no-device"],
    ['Device "eth9" does not exist.', "no-device"],
    ["RTNETLINK answers: File exists", "exists"],
    ["Error: Unknown device type.", "unsupported"],
    ["something else", "other"],
  ])("%s -> %s", (stderr, kind) => {
    expect(classify(stderr)).toBe(kind);
  });
});


describe("a tool run inside a namespace that is not installed names its package", () => {
  test("nft missing, through nsenter", async () => {
    const { failure } = await import("../../provider/kernel/exec");
    const e = failure("nsenter", ["--net=/run/netns/x", "--", "nft", "-f", "-"], 127, "nsenter: failed to execute nft: No such file or directory", "write NAT table");
    expect(e.kind).toBe("missing-tool");
    expect(e.message).toBe("write NAT table: 'nft' is not installed: apt-get install nftables");
  });
});

describe("files written while another command prunes their directory (the commands-only executor over a local shell)", () => {
  // removeFile prunes the directories it empties; a write in flight beside it must not lose its
  // directory between `mkdir -p` and its file (seen on a simulated machine: "cannot create
  // /run/netns-lab/pending/…: Directory nonexistent"). The transport runs each argument array in a
  // local process, as the command channel does on a machine; 300 records race each other and a pruning loop.
  test("every write lands, every removed file is gone, and the emptied directory is pruned at the end", async () => {
    const fs = await import("fs");
    const os = await import("os");
    const path = await import("path");
    const { spawn } = await import("child_process");
    const { localShell } = await import("../support/shell");
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-prune-"));
    let pruner: import("child_process").ChildProcess | undefined;
    try {
      const { x } = localShell();
      const dir = path.join(root, "a", "pending");
      // Besides the removeFiles below, a loop prunes the directory the whole time it is empty.
      pruner = spawn("sh", ["-c", 'while :; do rmdir -- "$1" "$2" 2>/dev/null; done', "sh", dir, path.dirname(dir)], { stdio: "ignore" });
      const jobs: Promise<unknown>[] = [];
      // As pending records are: written, read back, removed (pruning what that empties), all at once.
      for (let i = 0; i < 300; i++) {
        const f = path.join(dir, `p${i}`);
        jobs.push(x.writeFile(f, `${i}\n`, 0o600).then(async () => [await x.readFile(f), (fs.statSync(f).mode & 0o777).toString(8), await x.removeFile(f, root)]));
      }
      const results = await Promise.allSettled(jobs);
      pruner.kill("SIGKILL");
      pruner = undefined;
      expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason).slice(0, 200))).toEqual([]);
      expect(results.map((r) => (r as PromiseFulfilledResult<unknown>).value)).toEqual([...Array(300).keys()].map((i) => [`${i}\n`, "600", true]));
      expect(fs.readdirSync(root)).toEqual([]); // pending/ and a/ pruned, root kept
    } finally {
      pruner?.kill("SIGKILL");
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
