/**
 * One long-lived command channel per machine: a small agent started over one SSH session, which runs
 * the argument arrays sent to it (never a shell) and answers with exit code, stdout and stderr. A
 * command then costs a process start on the machine instead of an SSH session (~120 ms each here,
 * even over a shared connection: a session, a remote shell, its environment).
 *
 * The agent is Python 3 (stdlib only: on nearly every Linux machine that runs labs); where there is
 * none, the executor falls back to one SSH session per command (ssh.ts), as before.
 *
 * Protocol, one JSON object per line. To the agent: {"i": id, "a": argv, "in": stdin text or null}.
 * From it: {"ready": 1} once, then {"i": id, "s": 1} when a command has started and
 * {"i": id, "c": code, "o": stdout, "e": stderr} when it has ended. Commands run concurrently.
 *
 * When the channel dies (the agent killed, the connection lost): a command not yet started is sent
 * again on a new channel; one that had started fails with a clear error — it may have taken effect,
 * and running it twice silently could start a second daemon (a create that meets its own leftover is
 * adopted by the next `up`, as after any interrupted run). The agent carries NETNS_LAB_OWNER (so a
 * stray one is found) and ends with its standard input: with the SSH session, with the provider.
 */
import { ChildProcess } from "child_process";
import { KernelError } from "./exec";

/** The agent. Fixed text; it gets nothing from the outside but the requests on its stdin. */
export const AGENT = String.raw`
import json, os, subprocess, sys, threading
out = sys.stdout
lock = threading.Lock()
env = dict(os.environ)
env.pop("NETNS_LAB_OWNER", None)  # the agent's marker, not its commands'
def say(o):
    line = json.dumps(o) + "\n"
    with lock:
        out.write(line)
        out.flush()
def run(r):
    i = r["i"]
    try:
        p = subprocess.Popen(r["a"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True, env=env)
    except OSError as e:
        say({"i": i, "s": 1})
        say({"i": i, "c": 127, "o": "", "e": "%s: not found (%s)" % (r["a"][0], e.strerror)})
        return
    say({"i": i, "s": 1})
    o, e = p.communicate((r.get("in") or "").encode())
    say({"i": i, "c": p.returncode if p.returncode >= 0 else 128 - p.returncode, "o": o.decode("utf-8", "replace"), "e": e.decode("utf-8", "replace")})
say({"ready": 1})
for line in sys.stdin:
    if line.strip():
        threading.Thread(target=run, args=(json.loads(line),), daemon=True).start()
os._exit(0)
`;

/**
 * Marks an error after which the command may or may not have taken effect: whoever keeps a record
 * of what is being made (kinds/pending.ts) keeps it, so the next run adopts what was made.
 */
export const uncertain = <E extends Error>(e: E): E => Object.assign(e, { uncertain: true });
export const isUncertain = (e: unknown): boolean => (e as { uncertain?: boolean } | undefined)?.uncertain === true;

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

interface Pending {
  argv: readonly string[];
  input?: string;
  started: boolean;
  resolve(r: Result): void;
  reject(e: Error): void;
}

/** How the channel's SSH session is started: `ssh [options] host -- <command line>`. */
export type Connect = (commandLine: string) => ChildProcess;

/** What opening a channel gave: working, or why not (the caller falls back to a session per command). */
type Opened = { ok: true } | { ok: false; code: number; stderr: string };

export class Channel {
  private child?: ChildProcess;
  private opening?: Promise<Opened>;
  private pending = new Map<number, Pending>();
  private next = 1;
  /** Channels opened so far (1 until one died). */
  opened = 0;

  constructor(
    private readonly connect: Connect,
    private readonly commandLine: string,
    private readonly where: string,
  ) {}

  /** Opens the channel if it is not open; resolves when the agent is ready or the attempt failed. */
  private open(): Promise<Opened> {
    if (this.child && !this.opening) return Promise.resolve({ ok: true });
    if (this.opening) return this.opening;
    // A connect that throws (the sandbox's holder could not be started: its lock's timeout…) keeps
    // nothing: this command fails with its error, and the next one tries to open the channel again.
    const child = this.connect(this.commandLine);
    this.opening = new Promise<Opened>((resolve) => {
      this.opened++;
      let buf = "";
      let stderr = "";
      let ready = false;
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-8192)));
      child.stdout!.setEncoding("utf8").on("data", (d: string) => {
        buf += d;
        for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          let m: { ready?: number; i?: number; s?: number; c?: number; o?: string; e?: string };
          try {
            m = JSON.parse(line);
          } catch {
            continue;
          }
          if (m.ready) {
            ready = true;
            this.child = child;
            this.opening = undefined;
            resolve({ ok: true });
            this.settle();
            continue;
          }
          const p = this.pending.get(m.i!);
          if (!p) continue;
          if (m.s) p.started = true;
          if (m.c !== undefined) {
            this.pending.delete(m.i!);
            p.resolve({ code: m.c, stdout: m.o ?? "", stderr: m.e ?? "" });
            this.settle();
          }
        }
      });
      child.stdin!.on("error", () => undefined); // a dead agent: seen on exit
      child.on("error", () => undefined);
      child.on("close", (code) => {
        if (this.child === child) this.child = undefined;
        if (!ready) {
          this.opening = undefined;
          resolve({ ok: false, code: code ?? 255, stderr });
          return;
        }
        this.died(stderr);
      });
      this.held = undefined;
      this.hold(child, true); // until ready, and while commands are waiting
    });
    return this.opening;
  }

  private held?: boolean;
  /**
   * An idle channel must not keep its process alive (a provider or CLI that is done ends, and the
   * agent with it); one with commands waiting must (a CLI awaiting an answer and nothing else).
   */
  private hold(child: ChildProcess, on: boolean): void {
    if (this.held === on) return;
    this.held = on;
    for (const h of [child, child.stdin, child.stdout, child.stderr] as unknown as Array<{ ref?(): void; unref?(): void }>) {
      if (on) h?.ref?.();
      else h?.unref?.();
    }
  }

  private settle(): void {
    if (this.child && this.pending.size === 0) this.hold(this.child, false);
  }

  /** The channel ended: what had started fails, what had not is sent again on a new one. */
  private died(stderr: string): void {
    const waiting = [...this.pending.entries()];
    this.pending.clear();
    for (const [, p] of waiting) {
      if (p.started) {
        p.reject(
          uncertain(new KernelError(
            `machine ${this.where}: the command channel ended while \`${p.argv.join(" ")}\` was running; it may have taken effect (run up again: it adopts what is ours)` +
              (stderr.trim() ? ` [${stderr.trim().split("\n").pop()}]` : ""),
            "unreachable",
            [...p.argv],
            stderr,
          )),
        );
      } else {
        this.send(p).catch(p.reject);
      }
    }
  }

  private async send(p: Pending): Promise<void> {
    const o = await this.open();
    if (!o.ok) throw Object.assign(new Error("channel unavailable"), { opened: o });
    const id = this.next++;
    this.pending.set(id, p);
    this.hold(this.child!, true);
    this.child!.stdin!.write(JSON.stringify({ i: id, a: p.argv, in: p.input ?? null }) + "\n");
  }

  /**
   * Runs an argument array there. Resolves with its result; rejects with a KernelError when the
   * channel died during it, or with `{ opened }` (the SSH session's exit code and stderr) when no
   * channel could be opened — the caller then runs it another way and reports that.
   */
  run(argv: readonly string[], input?: string): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const p: Pending = { argv, input, started: false, resolve, reject };
      this.send(p).catch(reject);
    });
  }

  /** Ends the channel (the agent exits with its stdin). */
  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }
}

/** The command line that starts the agent there (quoted by the caller for the remote shell). */
export const agentArgv = ["env", "NETNS_LAB_OWNER=netns-lab/agent", "python3", "-u", "-c", AGENT, "netns-lab-agent"];
