/**
 * What testLab (testing.ts) leaves for the case its process is killed: each run's record in a private
 * directory of its own, the sweep of runs whose process is gone, and the warden that sweeps a
 * process's runs the moment it ends. Only this user's own directories are trusted (private.ts).
 */
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { running } from "./kernel/sandbox";
import { readPrivate } from "./private";
import { sweep } from "./sweep";

/** What a run records in its private directory (run.json), for the sweep after it was killed. */
export interface Run {
  project: string;
  stack: string;
  pid: number;
  start?: string;
  workDir?: string;
}

/**
 * Sweeps what killed test runs left, of any project on this machine: each run's directory whose
 * process is gone without a destroy (SIGKILL, a crash, jest-worker's kill). Its stack's objects are
 * swept by marker, its temporary directory and its work directory removed. Only this user's own
 * directories are read (mode 0700, not a link: `private.ts`); anyone else's, or one whose record is
 * not a regular file of this user's, is left alone. `pid`: only the runs of that process (the warden).
 * For a jest `globalTeardown` (the template's `jest.config.js` has it).
 */
export async function sweepLeftovers(pid?: number): Promise<number> {
  let swept = 0;
  for (const d of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("netns-lab-testing-"))) {
    const dir = path.join(os.tmpdir(), d);
    let run: Run;
    try {
      run = JSON.parse(readPrivate(path.join(dir, "run.json")) ?? "null");
    } catch {
      continue;
    }
    if (!run || typeof run.project !== "string" || typeof run.stack !== "string" || (pid !== undefined && run.pid !== pid) || running(run.pid, run.start)) continue;
    await sweep(run.project, run.stack).catch(() => undefined);
    // Only a work directory of testLab's own shape (…/.cache/netns-lab-testing/<stack>).
    if (run.workDir && path.basename(run.workDir) === run.stack && run.workDir.endsWith(path.join(".cache", "netns-lab-testing", run.stack))) fs.rmSync(run.workDir, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    swept++;
  }
  return swept;
}

let warden: ChildProcess | undefined;
/**
 * The warden: a small process that reads a pipe from this one and, when it closes (this process
 * ended, however: SIGKILL included), sweeps this process's runs that no destroy ended. Started once,
 * with the first lab; it does not keep this process alive.
 */
export function startWarden(): void {
  if (warden) return;
  const script = `process.stdin.resume(); process.stdin.on("end", () => require(${JSON.stringify(__filename)}).sweepLeftovers(${process.pid}).finally(() => process.exit(0)));`;
  warden = spawn(process.execPath, ["-e", script], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  warden.on("error", () => undefined);
  warden.unref();
  (warden.stdin as unknown as { unref?(): void }).unref?.();
  warden.stdin!.on("error", () => undefined);
}

/**
 * A unique prefix (#30 item 14): `t` + 7 random base-36 characters and a dash, reserved by making the
 * lab's work directory under `nodeModules` exclusively (a name another lab of this project took, in
 * any process, is drawn again) and checked against the namespaces that exist here (another
 * project's lab). `random` and `namespaces` are the draw and the look (tests give their own).
 */
export function reservePrefix(
  nodeModules: string,
  random: () => bigint = () => crypto.randomBytes(8).readBigUInt64BE(),
  namespaces: () => string[] = namespacesHere,
): { prefix: string; workDir: string } {
  for (;;) {
    const prefix = `t${(random() % BigInt(36 ** 7)).toString(36).padStart(7, "0")}-`;
    if (namespaces().some((ns) => ns.startsWith(prefix))) continue;
    const workDir = workDirFor(nodeModules, prefix, false);
    if (workDir) return { prefix, workDir };
  }
}

/** The node_modules that holds this package and @pulumi/pulumi: the one above it when installed, else the checkout's own. */
export const nodeModulesOf = (root: string): string => (path.basename(path.dirname(root)) === "node_modules" ? path.dirname(root) : path.join(root, "node_modules"));

/**
 * A directory for the stack's workspace from which the engine's dynamic-provider process finds this
 * package and @pulumi/pulumi as the program does: under the nearest node_modules that holds them.
 * Made exclusively unless `reuse`: undefined when it exists.
 */
export function workDirFor(nodeModules: string, prefix: string, reuse = true): string | undefined {
  const dir = path.join(nodeModules, ".cache", "netns-lab-testing", prefix.replace(/-$/, ""));
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    if (!reuse) return undefined;
  }
  return dir;
}

/** The namespaces of this machine that this process can see (root's /run/netns; none in a sandbox it does not enter). */
function namespacesHere(): string[] {
  try {
    return fs.readdirSync("/run/netns");
  } catch {
    return [];
  }
}
