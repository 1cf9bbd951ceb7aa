/**
 * The executor for another machine: every command runs there over SSH, with the `ssh` program
 * (OpenSSH) and connection sharing — one master connection per machine, reused by every command of
 * the provider process (ControlMaster/ControlPersist), so a command costs a few milliseconds, not a
 * handshake. Why not an npm SSH client: OpenSSH is on every machine that has sshd, brings the agent,
 * ~/.ssh/config, known_hosts and ProxyJump for free, and needs nothing from the registry.
 *
 * A command is still an argument array: each argument is single-quoted for the remote shell (SSH
 * carries one command line), so no argument is ever interpreted there. Host keys: pinned when the
 * machine gives `hostKey` ("ssh-ed25519 AAAA…": strict checking against it alone), else checked
 * against the user's known_hosts, new hosts accepted (accept-new). Keys: `privateKeyFile`, else the
 * agent and the user's defaults.
 */
import { execFile, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Executor, KernelError, missing, RunOptions } from "./exec";
import { spawnEnv } from "./env";
import { privateDir, writeAtomic } from "../private";
import { channelFirst, commandExecutor } from "./commands";

import { Machine, machineKey } from "../machine";
import { agentArgv, Channel } from "./channel";

export type { Machine };

/** Where the control sockets and pinned host keys live (root: /run/netns-lab/ssh; anyone else: their own, in tmpdir). */
const SSH_DIR = process.getuid?.() === 0 || process.getuid === undefined ? "/run/netns-lab/ssh" : path.join(require("os").tmpdir(), `netns-lab-ssh-${process.getuid()}`);

export const machineName = (m: Machine): string => `${m.user ?? "root"}@${m.host}${m.port && m.port !== 22 ? `:${m.port}` : ""}`;

/** Quoted for a POSIX shell: the remote side sees exactly this argument. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const executors = new Map<string, Executor>();

/** One executor (and so one shared connection) per machine per process. */
export function sshExecutor(m: Machine): Executor {
  const key = machineKey(m);
  let x = executors.get(key);
  if (!x) executors.set(key, (x = makeSsh(m)));
  return x;
}

/** The `ssh` options that reach a machine as the executor does (also for a terminal: netns-lab exec). */
export function sshArgs(m: Machine): string[] {
  // Private (the user's own, 0700, no link): a socket or known-hosts file planted in a directory
  // someone else made would receive our commands or be written through.
  fs.mkdirSync(path.dirname(SSH_DIR), { recursive: true, mode: 0o755 });
  privateDir(SSH_DIR, "remove it (as its owner, or root) and run again");
  const opts = [
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=5",
    "-o", "ServerAliveInterval=3",
    "-o", "ServerAliveCountMax=2",
    "-o", "ControlMaster=auto",
    "-o", `ControlPath=${SSH_DIR}/%C`,
    "-o", "ControlPersist=10",
    "-o", "LogLevel=ERROR",
    "-p", String(m.port ?? 22),
    "-l", m.user ?? "root",
  ];
  if (m.privateKeyFile) opts.push("-i", m.privateKeyFile, "-o", "IdentitiesOnly=yes");
  if (m.hostKey) {
    // Pinned: a known_hosts file holding this key alone, for this host.
    const file = path.join(SSH_DIR, `known-${crypto.createHash("sha256").update(`${m.host} ${m.port ?? 22} ${m.hostKey}`).digest("hex").slice(0, 16)}`);
    const hostPattern = m.port && m.port !== 22 ? `[${m.host}]:${m.port}` : m.host;
    writeAtomic(file, `${hostPattern} ${m.hostKey.trim()}\n`);
    opts.push("-o", `UserKnownHostsFile=${file}`, "-o", "StrictHostKeyChecking=yes");
  } else {
    opts.push("-o", "StrictHostKeyChecking=accept-new");
  }
  return opts;
}

/**
 * Whether an ssh failure (exit 255) happened on the shared connection before the command ran: the
 * master expiring (ControlPersist) or dying as a client attaches. The command did not start, so it
 * is run again (a new master is made), as pulumi-command retries its dials.
 */
export const muxTransient = (stderr: string): boolean =>
  /mux_client_\w+|Control socket connect|ControlSocket .* already exists|master (process )?(is )?(exited|died|not running)|Shared connection to .* closed/i.test(stderr);
/** How many times, and after what pauses, a command that met a dying shared connection is tried again. */
export const MUX_RETRIES = [50, 250, 1000];

/** What an ssh failure (exit 255) means, in words that say what to do. */
export function sshProblem(m: Machine, stderr: string): KernelError | undefined {
  const where = machineName(m);
  const say = (what: string) => new KernelError(`machine ${where}: ${what} [ssh: ${stderr.trim().split("\n").pop()}]`, "unreachable", ["ssh", where], stderr);
  if (/Permission denied/.test(stderr)) return say(`the SSH key was refused (give privateKeyFile, or load the key into ssh-agent, and let ${m.user ?? "root"} log in with it)`);
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .*host key is known/.test(stderr)) {
    return say(m.hostKey ? "its host key is not the hostKey given" : "its host key is not the one known_hosts holds");
  }
  if (/Connection refused|No route to host|timed out|Timeout|not responding|Could not resolve|Network is unreachable|Connection closed|Connection reset|Broken pipe|mux_client|port \d+:/.test(stderr)) {
    return say("cannot be reached over SSH (is it up, is sshd running, is the port open?)");
  }
  return undefined;
}

function makeSsh(m: Machine): Executor {
  let options: string[] | undefined;
  const ssh = (command: string, input?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      options ??= sshArgs(m);
      const child = execFile("ssh", [...options, m.host, "--", command], { maxBuffer: 1 << 28, encoding: "utf8", env: spawnEnv() }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : (err as NodeJS.ErrnoException).code === "ENOENT" ? -2 : 1) : 0;
        resolve({ code, stdout, stderr });
      });
      child.stdin?.on("error", () => undefined); // ssh gone before reading it (EPIPE): its exit says why
      child.stdin?.end(input ?? "");
    });
  const where = machineName(m);
  // The command channel (channel.ts), else a session per command (commands.ts channelFirst).
  const open = () => new Channel((line) => spawn("ssh", [...(options ??= sshArgs(m)), m.host, "--", line], { stdio: ["pipe", "pipe", "pipe"], env: spawnEnv() }), agentArgv.map(shellQuote).join(" "), where);
  const exec = channelFirst(where, open, (file, args, opts = {}) => session(file, args, opts), "session");

  /** One SSH session for one command. */
  async function session(file: string, args: readonly string[], opts: RunOptions): Promise<{ code: number; stdout: string; stderr: string }> {
    const line = [file, ...args].map(shellQuote).join(" ");
    let r = await ssh(line, opts.input);
    for (const pause of MUX_RETRIES) {
      if (r.code !== 255 || !muxTransient(r.stderr)) break;
      await new Promise((res) => setTimeout(res, pause));
      r = await ssh(line, opts.input);
    }
    if (r.code === -2) throw missing("ssh", [where], opts.doing);
    if (r.code === 255) {
      const p = sshProblem(m, r.stderr);
      if (p) throw p;
    }
    return r;
  }

  return commandExecutor(where, exec);
}

