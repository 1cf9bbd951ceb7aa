// The engine's plugins of ours (the Node.js language host, the dynamic-provider process) end when
// the engine that started them is gone — even when it was killed before they could look at their
// parent (CI: a destroy SIGKILLed 0.5 s in left a dynamic-provider process behind, orphaned, for
// good: it had read its parent after the engine died, so it never saw it change). Real plugins as
// the engine starts them; the engine stood in for by a shell (its parent) and an address.
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { engineRoot, REPO } from "../support/engine";

jest.setTimeout(120_000);

const marker = `nlt-orphan-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;

/** The live plugin processes (the Go host, or node) whose environment carries this run's marker, with their parent pid. */
function marked(): Array<{ pid: number; ppid: number }> {
  const found: Array<{ pid: number; ppid: number }> = [];
  for (const d of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (!fs.readFileSync(`/proc/${d}/environ`, "utf8").split("\0").includes(`NLT_ORPHAN=${marker}`)) continue;
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (f[0] !== "Z" && (comm === "pulumi-language" || comm === "node")) found.push({ pid: Number(d), ppid: Number(f[1]) });
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Waits until `ok(marked())` or `ms` have passed; what is there then. */
async function until(ok: (p: ReturnType<typeof marked>) => boolean, ms: number) {
  for (let t = 0; t < ms && !ok(marked()); t += 100) await new Promise((r) => setTimeout(r, 100));
  return marked();
}

/** An address where nothing listens (a port just closed): a dead engine's. */
async function deadAddress(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `127.0.0.1:${port}`;
}

const plugins: Array<[string, () => string]> = [
  ["the language host", () => path.join(engineRoot(), "bin", "pulumi-language-nodejs")],
  ["the dynamic-provider process", () => path.join(engineRoot(), "bin", "pulumi-resource-pulumi-nodejs")],
];

afterAll(() => {
  for (const p of marked()) process.kill(p.pid, "SIGKILL");
});

describe.each(plugins)("%s", (_name, bin) => {
  test("started by an engine already gone (its parent exited, its address refused): it ends by itself", async () => {
    const addr = await deadAddress();
    const err = path.join(require("os").tmpdir(), `${marker}.err`);
    try {
      // The shell forks a child and exits at once; the child starts the plugin 0.3 s later, as an orphan.
      const sh = spawn("sh", ["-c", '(sleep 0.3; exec "$0" "$1") >/dev/null 2>"$2" & exit 0', bin(), addr, err], { cwd: REPO, env: { ...process.env, NLT_ORPHAN: marker }, stdio: "ignore" });
      await new Promise((r) => sh.once("exit", r));
      await new Promise((r) => setTimeout(r, 500)); // the plugin's exec (the same command stays up in the next test)
      expect(await until((p) => p.length === 0, 10_000)).toEqual([]);
      expect(fs.readFileSync(err, "utf8")).toBe(""); // it ran: nothing said it could not
    } finally {
      fs.rmSync(err, { force: true });
    }
  });

  test("while its engine lives it stays; when the engine is SIGKILLed it ends", async () => {
    const server = net.createServer((c) => c.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const addr = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      const sh = spawn("sh", ["-c", '"$0" "$1" >/dev/null 2>&1 & wait', bin(), addr], { cwd: REPO, env: { ...process.env, NLT_ORPHAN: marker }, stdio: "ignore" });
      // The shell (the engine here) and the plugin.
      expect((await until((p) => p.some((x) => x.ppid === sh.pid), 10_000)).filter((x) => x.ppid === sh.pid)).toHaveLength(1);
      // It looks at its parent every 0.5-1 s: 3 s of staying put is several looks.
      await new Promise((r) => setTimeout(r, 3000));
      expect(marked().filter((x) => x.ppid === sh.pid)).toHaveLength(1);
      sh.kill("SIGKILL");
      await new Promise((r) => sh.once("exit", r));
      expect(await until((p) => p.length === 0, 10_000)).toEqual([]);
    } finally {
      server.close();
    }
  });
});
