// A commands-only executor (as SSH and the sandbox are: kernel/commands.ts) whose transport runs each
// argument array as a local process, counting the commands it ran. For tests of that executor
// without a machine or a sandbox.
import { spawn } from "child_process";
import { commandExecutor } from "../../provider/kernel/commands";

export function localShell(where = "a local shell") {
  const calls: string[][] = [];
  const exec = (file: string, args: readonly string[], opts: { input?: string } = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      calls.push([file, ...args]);
      const c = spawn(file, [...args], { stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      c.stdout!.on("data", (d) => (stdout += d));
      c.stderr!.on("data", (d) => (stderr += d));
      c.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
      if (opts.input !== undefined) c.stdin!.end(opts.input);
    });
  return { x: commandExecutor(where, exec), calls };
}
