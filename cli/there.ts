/**
 * Commands the CLI runs itself in a node, with the terminal (exec, capture): here with `ip netns
 * exec`, or on the node's machine through ssh with that machine's options, the remote command line
 * quoted for its shell; for a user who is not root, in the sandbox (nsenter first). The argument arrays only.
 */
import type { LabDescription } from "../provider/components/description";
import { machineSpec } from "../provider/components/description";
import { shellQuote, sshArgs } from "../provider/kernel/ssh";
import { ensureHolder, enterArgv, sandboxWanted } from "../provider/kernel/sandbox";
import { enterNode } from "../provider/kernel/nodefs";
import { spawn } from "child_process";
import * as os from "os";

/** What runs a command "here": nothing for root; for anyone else, nsenter into the user's sandbox. */
const hereArgv = (): string[] => (sandboxWanted() ? enterArgv(ensureHolder(), process.cwd()) : []);

type Node = LabDescription["nodes"][number];

/** `command` in the node's namespace: [program, args]; `tty` asks ssh for a terminal. */
export function inNode(n: Node, command: string[], tty = false): [string, string[]] {
  // A node with a filesystem of its own: its network namespace and its mount namespace (kernel/nodefs.ts).
  const here = n.filesystem ? [...enterNode(n.namespace, { uts: !!n.hostname }), ...command] : ["ip", "netns", "exec", n.namespace, ...command];
  if (!n.machine) {
    const local = [...hereArgv(), ...here];
    return [local[0], local.slice(1)];
  }
  return ["ssh", [...sshArgs(machineSpec(n.machine)), ...(tty ? ["-t"] : []), n.machine.host, "--", here.map(shellQuote).join(" ")]];
}

/** `command` in all the namespaces of a process of the node (`nsenter -t PID -a`): its PID, IPC, mount… */
export function inProcess(n: Node, pid: number, command: string[], tty = false): [string, string[]] {
  const here = ["nsenter", "-t", String(pid), "-a", "--", ...command];
  if (!n.machine) {
    const local = [...hereArgv(), ...here];
    return [local[0], local.slice(1)];
  }
  return ["ssh", [...sshArgs(machineSpec(n.machine)), ...(tty ? ["-t"] : []), n.machine.host, "--", here.map(shellQuote).join(" ")]];
}

/**
 * tcpdump on an interface of the node. Printing: line-buffered. Writing a pcap: here tcpdump writes
 * the file itself; on another machine it writes the pcap to its standard output (`-w -`), which the
 * caller saves to the file here (`toStdout`).
 */
export function captureCommand(n: Node, iface: string, write?: string): { command: [string, string[]]; toStdout: boolean } {
  // In the sandbox, tcpdump switches to the sandbox's root, which is the user (not to its tcpdump user, a subordinate uid): the pcap is the user's.
  const base = ["tcpdump", "-n", "--immediate-mode", ...(!n.machine && sandboxWanted() ? ["-Z", "root"] : []), "-i", iface];
  if (!write) return { command: inNode(n, [...base, "-l"]), toStdout: false };
  if (!n.machine) return { command: inNode(n, [...base, "-U", "-w", write]), toStdout: false };
  return { command: inNode(n, [...base, "-U", "-w", "-"]), toStdout: true };
}

/**
 * Runs [file, args] with `input` on its standard input, collecting its output: code (128 + the
 * signal's number when a signal ended it; 127 when it could not start), stdout, stderr, once its
 * output has closed (what it started in the background and left holding it is waited for too, as
 * a shell's `$(…)` does). After `timeoutMs` its whole process group is SIGKILLed (the command and
 * whatever it started) and what it printed so far is the result. Never rejects; input the command
 * does not read is dropped. `where`: its working directory and environment (default this process's).
 */
export function collect(file: string, args: string[], input?: string, timeoutMs = 60_000, where: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Its own process group, killed whole at the timeout: a command that left a child in the
    // background holding its output open (sh -c "server &") would otherwise never close.
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], detached: true, ...where });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + String(e) });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1), stdout, stderr });
    });
    // A command that ends without reading all its input (ping, true) closes the pipe: EPIPE here
    // says nothing its exit code does not; unhandled, it would throw in the caller's process.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input ?? "");
  });
}
