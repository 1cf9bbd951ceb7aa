/**
 * The executor for the sandbox (sandbox.ts: the holder and its namespaces): every command of every
 * kind, the sweep, verify, status, logs, exec and capture runs in the holder's namespaces, through
 * the command channel (channel.ts: nsenter + the agent), else one nsenter per command where python3
 * is missing. `local` (exec.ts) is this executor for a user who is not root.
 */
import { ChildProcess, execFile, spawn } from "child_process";
import { agentArgv, Channel } from "./channel";
import { channelFirst, commandExecutor } from "./commands";
import { spawnEnv } from "./env";
import { Executor, missing } from "./exec";
import { ensureHolder, enterArgv, findHolder, sandboxHome } from "./sandbox";

/** The executor for the sandbox: commands through the command channel (nsenter + the agent), else one nsenter each. */
export function sandboxExecutor(): Executor {
  const where = "sandbox";
  const cwd = process.cwd();
  const enter = () => enterArgv(ensureHolder(), cwd);
  const once = (file: string, args: readonly string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      let argv: string[];
      try {
        argv = [...enter(), file, ...args];
      } catch (e) {
        reject(e);
        return;
      }
      const child = execFile(argv[0], argv.slice(1), { maxBuffer: 1 << 28, encoding: "utf8", env: spawnEnv() }, (err, stdout, stderr) => {
        if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT") return reject(missing("nsenter", [], `run ${file} in the sandbox`));
        resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr });
      });
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(input ?? "");
    });

  const open = () =>
    new Channel(
      (): ChildProcess => {
        const argv = [...enter(), ...agentArgv];
        return spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], env: spawnEnv() });
      },
      "",
      where,
    );
  const exec = channelFirst(where, open, (file, args, opts = {}) => once(file, args, opts.input), "nsenter");

  const x = commandExecutor(where, exec, async () => {
    try {
      ensureHolder();
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  });
  x.home = () => sandboxHome(findHolder());
  return x;
}
