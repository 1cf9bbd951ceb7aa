/**
 * Queueing disciplines (`tc qdisc`): a link's root qdisc, tbf for rate shaping and netem for delay,
 * jitter and loss. netns-lab's root qdiscs carry the handle 4e4c: ("NL"), their ownership marker.
 */
import { Executor, KernelError } from "./exec";
import { nsExec } from "./ip";

export const HANDLE = "4e4c:";

export interface Qdisc {
  kind: string;
  handle: string;
  root?: boolean;
  parent?: string;
  options?: { rate?: number; burst?: number; lat?: number; delay?: { delay?: number; jitter?: number }; loss?: number; loss_random?: { loss?: number } };
}

export interface Shaping {
  /** tc rate, e.g. "10mbit". */
  rate?: string;
  burst?: string;
  latency?: string;
  delay?: string;
  jitter?: string;
  /** Percent, 0-100. */
  loss?: number;
}

const tc = (x: Executor, ns: string, args: string[], doing: string) => nsExec(x, ns, "tc", args, { doing });

/** The qdiscs of a device, as `tc -j qdisc show` reports them. */
export async function list(x: Executor, ns: string, dev: string): Promise<Qdisc[]> {
  const out = await tc(x, ns, ["-j", "qdisc", "show", "dev", dev], `read qdiscs of ${dev} in ${ns}`);
  return out.trim() ? (JSON.parse(out) as Qdisc[]) : [];
}

/** The device's root qdisc. */
export const root = (qs: Qdisc[]): Qdisc | undefined => qs.find((q) => q.root);

/** Whether a root qdisc is the kernel's default (no one chose it): nothing stands in the way. */
export const isDefault = (q: Qdisc | undefined): boolean => !q || q.handle === "0:";

const netemArgs = (s: Shaping) => [
  ...(s.delay ? ["delay", s.delay, ...(s.jitter ? [s.jitter] : [])] : []),
  ...(s.loss !== undefined ? ["loss", `${s.loss}%`] : []),
];
const tbfArgs = (s: Shaping) => ["rate", s.rate!, "burst", s.burst ?? "32kbit", "latency", s.latency ?? "50ms"];
export const wantsNetem = (s: Shaping): boolean => !!(s.delay || s.jitter || s.loss !== undefined);

/**
 * Installs the shaping as the device's root (replacing ours): tbf alone for a rate; netem for
 * delay, jitter and loss, with tbf below it when a rate is given too. A root of another kind is
 * swapped (delete, add); if the new one cannot be made, the old tbf is put back: a failure leaves
 * the device as it was.
 */
export async function apply(x: Executor, ns: string, dev: string, s: Shaping): Promise<void> {
  const doing = `shape ${dev} in ${ns}`;
  const kind = wantsNetem(s) ? "netem" : "tbf";
  const before = root(await list(x, ns, dev));
  const swap = before?.handle === HANDLE && before.kind !== kind;
  if (swap) await tc(x, ns, ["qdisc", "del", "dev", dev, "root"], doing);
  try {
    if (kind === "netem") {
      await tc(x, ns, ["qdisc", "replace", "dev", dev, "root", "handle", HANDLE, "netem", ...netemArgs(s)], doing);
      if (s.rate) await tc(x, ns, ["qdisc", "replace", "dev", dev, "parent", `${HANDLE}1`, "handle", "4e4d:", "tbf", ...tbfArgs(s)], doing);
    } else {
      await tc(x, ns, ["qdisc", "replace", "dev", dev, "root", "handle", HANDLE, "tbf", ...tbfArgs(s)], doing);
    }
  } catch (e) {
    if (swap && before?.kind === "tbf" && before.options?.rate) {
      const o = before.options;
      await tc(x, ns, ["qdisc", "add", "dev", dev, "root", "handle", HANDLE, "tbf", "rate", `${o.rate! * 8}bit`, "burst", `${o.burst ?? 4096}b`, "latency", `${o.lat ?? 50000}us`], `restore the shaping of ${dev} in ${ns}`).catch(() => undefined);
    }
    if (e instanceof KernelError && /qdisc kind is unknown/i.test(e.stderr)) {
      throw new KernelError(`this kernel has no ${kind === "netem" ? "netem (sch_netem): delay, jitter and loss cannot be applied (rate shaping with tbf works)" : "tbf (sch_tbf): rate shaping cannot be applied"} [${dev} in ${ns}]`, "unsupported", e.command, e.stderr);
    }
    throw e;
  }
}

/** Removes our root qdisc (the kernel's default comes back); false if none of ours was there. */
export async function clear(x: Executor, ns: string, dev: string): Promise<boolean> {
  if (root(await list(x, ns, dev))?.handle !== HANDLE) return false;
  await tc(x, ns, ["qdisc", "del", "dev", dev, "root"], `remove shaping from ${dev} in ${ns}`);
  return true;
}
