/**
 * Commands the CLI runs itself in a node, with the terminal (exec, capture): here with `ip netns
 * exec`, or on the node's machine through ssh with that machine's options, the remote command line
 * quoted for its shell. Pure: the argument arrays only.
 */
import type { LabDescription } from "../provider/components/description";
import { machineSpec } from "../provider/components/description";
import { shellQuote, sshArgs } from "../provider/kernel/ssh";

type Node = LabDescription["nodes"][number];

/** `command` in the node's namespace: [program, args]; `tty` asks ssh for a terminal. */
export function inNode(n: Node, command: string[], tty = false): [string, string[]] {
  const here = ["ip", "netns", "exec", n.namespace, ...command];
  if (!n.machine) return [here[0], here.slice(1)];
  return ["ssh", [...sshArgs(machineSpec(n.machine)), ...(tty ? ["-t"] : []), n.machine.host, "--", here.map(shellQuote).join(" ")]];
}

/** `command` in all the namespaces of a process of the node (`nsenter -t PID -a`): its PID, IPC, mount… */
export function inProcess(n: Node, pid: number, command: string[], tty = false): [string, string[]] {
  const here = ["nsenter", "-t", String(pid), "-a", "--", ...command];
  if (!n.machine) return [here[0], here.slice(1)];
  return ["ssh", [...sshArgs(machineSpec(n.machine)), ...(tty ? ["-t"] : []), n.machine.host, "--", here.map(shellQuote).join(" ")]];
}

/**
 * tcpdump on an interface of the node. Printing: line-buffered. Writing a pcap: here tcpdump writes
 * the file itself; on another machine it writes the pcap to its standard output (`-w -`), which the
 * caller saves to the file here (`toStdout`).
 */
export function captureCommand(n: Node, iface: string, write?: string): { command: [string, string[]]; toStdout: boolean } {
  const base = ["tcpdump", "-n", "--immediate-mode", "-i", iface];
  if (!write) return { command: inNode(n, [...base, "-l"]), toStdout: false };
  if (!n.machine) return { command: inNode(n, [...base, "-U", "-w", write]), toStdout: false };
  return { command: inNode(n, [...base, "-U", "-w", "-"]), toStdout: true };
}
