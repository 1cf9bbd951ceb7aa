// What a user sees when a machine refuses us: a key it does not accept, a host key that is not the
// one pinned. Each fails `up` with a message naming the machine and what to do, and makes nothing.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanupAfterAll, openStack, REPO, labsDir } from "../support/engine";
import { uniquePrefix } from "../support/names";

jest.setTimeout(300_000);

const SIM = path.join(REPO, "sim", "machines.sh");
const KEY = path.join(REPO, ".sim", "id_ed25519");
const namespacesOn = (addr: string, prefix: string) =>
  spawnSync("ssh", ["-i", KEY, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", `root@${addr}`, "--", "ip", "netns", "list"], { encoding: "utf8" })
    .stdout.split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith(prefix));

describe("machines that refuse us", () => {
  const lab = cleanupAfterAll();
  const opened: Array<{ dispose(): Promise<void> }> = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "netns-lab-keys-"));
  let broughtUp = false;
  beforeAll(() => {
    broughtUp = !/m1 \S+ up/.test(execFileSync(SIM, ["status"], { encoding: "utf8" }));
    if (broughtUp) execFileSync(SIM, ["up"], { stdio: "inherit" });
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(tmp, "other")]);
  });
  afterAll(async () => {
    for (const t of opened) await t.dispose().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
    if (broughtUp) execFileSync(SIM, ["down"], { stdio: "inherit" });
  });

  const hostKey = () => fs.readFileSync(path.join(REPO, ".sim", "host_key"), "utf8").trim();
  test.each([
    ["a key the machine does not accept", () => ({ privateKeyFile: path.join(tmp, "other"), hostKey: hostKey() }), /machine root@10\.250\.0\.1: the SSH key was refused \(give privateKeyFile/],
    ["a host key that is not the one pinned", () => ({ privateKeyFile: KEY, hostKey: fs.readFileSync(path.join(tmp, "other.pub"), "utf8").split(" ").slice(0, 2).join(" ") }), /machine root@10\.250\.0\.1: its host key is not the hostKey given/],
  ])("%s: up fails saying so, and nothing is made", async (_what, m1, message) => {
    const prefix = uniquePrefix();
    const machines = { m1: { host: "10.250.0.1", ...m1() }, m2: { host: "10.250.0.2", privateKeyFile: KEY, hostKey: hostKey() } };
    const t = lab.track(await openStack(labsDir(), `refused-${prefix.slice(0, -1)}`, { "netns-lab:lab": "split", "netns-lab:prefix": prefix, "netns-lab:machines": JSON.stringify(machines) }));
    opened.push(t);
    const err = await t.stack.up().then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(message);
    expect(namespacesOn("10.250.0.1", prefix)).toEqual([]);
  });
});
