/**
 * TrafficShaping: a device's root qdisc. tbf for `rate` (with `burst`, `latency`); netem for
 * `delay`, `jitter`, `loss` (a kernel without sch_netem says so, and nothing is left half made).
 * Ours carry the root handle 4e4c:.
 */
import { z } from "zod";
import { KernelError } from "../kernel/exec";
import { inNamespace } from "../needs";
import * as link from "../kernel/link";
import * as tc from "../kernel/tc";
import { duration, ifname, nsname, percent, rate, size } from "./fields";
import { Ctx, defineKind, InputsOf, Props } from "./kind";

const inputs = {
  /** The network namespace it lives in (a NetNamespace's name). */
  namespace: nsname,
  /** The interface whose root qdisc it is. */
  device: ifname,
  /**
   * The device's ifindex, from its cable's outputs: a device made anew (a cable moved or renumbered,
   * taking over its interface name) has another, and this is made again on it. Unset: not compared.
   */
  ifindex: z.number().int().positive().optional(),
  /** Rate limit (tbf), e.g. "10mbit". */
  rate: rate.optional(),
  /** tbf bucket size (default 32kbit). */
  burst: size.optional(),
  /** tbf queueing latency (default 50ms). */
  latency: duration.optional(),
  /** Added delay (netem), e.g. "20ms". */
  delay: duration.optional(),
  /** Variation of the delay (netem). */
  jitter: duration.optional(),
  /** Packet loss in percent (netem): 2.5 or "2.5%". */
  loss: percent.optional(),
};
type I = InputsOf<typeof inputs>;
const shaping = (i: Props): tc.Shaping => ({ rate: i.rate, burst: i.burst, latency: i.latency, delay: i.delay, jitter: i.jitter, loss: i.loss });

const UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12, bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9, tbps: 8e12 };
/** A tc rate in bytes per second, as `tc -j` reports it. */
export const bytesPerSecond = (r: string): number => {
  const m = /^(\d+(?:\.\d+)?)([a-z]+)$/i.exec(r)!;
  return Math.round((Number(m[1]) * UNITS[m[2].toLowerCase()]) / 8);
};

async function apply(c: Ctx, i: I): Promise<void> {
  // The device is made first when the program declares it (its need): missing, it never was.
  if (!(await link.show(c.x, i.namespace, i.device))) throw new Error(`cannot shape ${i.device}: it does not exist in namespace "${i.namespace}"; declare the VethLink, Bridge or VxlanLink that makes it`);
  await tc.apply(c.x, i.namespace, i.device, shaping(i));
}

export const trafficShaping = defineKind({
  inputs,
  outputs: {},
  replaceOn: ["namespace", "device", "ifindex"],
  inPlace: ["rate", "burst", "latency", "delay", "jitter", "loss"],
  same: {
    ...Object.fromEntries(["rate", "burst", "latency", "delay", "jitter", "loss"].map((k) => [k, (a: unknown, b: unknown) => a === b])),
    // A state of an older release has none: not a change (it was the same device).
    ifindex: (a: unknown, b: unknown) => a === undefined || b === undefined || a === b,
  },
  refine: (i) => [
    ...(i.rate || i.delay || i.loss !== undefined ? [] : [{ property: "rate", reason: "rate: give at least one of rate, delay or loss" }]),
    ...(i.jitter && !i.delay ? [{ property: "jitter", reason: "jitter: jitter varies a delay: give delay too" }] : []),
    ...((i.burst || i.latency) && !i.rate ? [{ property: i.burst ? "burst" : "latency", reason: `${i.burst ? "burst" : "latency"}: shapes a rate: give rate too` }] : []),
  ],
  namespaces: (i) => [i.namespace],
  makes: ["in"],
  provides: (i) => [{ kind: "in", ns: i.namespace }],
  needs: (i) => inNamespace(i.namespace, i.device),
  remark: "unmarked",
  title: (i) => `shaping of ${i.device}`,
  id: (i) => `${i.namespace}/${i.device}/qdisc`,

  async create(c, i, undo) {
    const found = await trafficShapingFound(c, i);
    // Someone's root qdisc is there: the template decides (adopt ours, refuse another's).
    if (found) throw new KernelError("a root qdisc is there", "exists", [], "");
    undo.push(() => tc.clear(c.x, i.namespace, i.device));
    await apply(c, i);
    return {};
  },

  found: (c, i) => trafficShapingFound(c, i),
  adopt: async (c, i) => (await apply(c, i), {}),

  async read(c, props) {
    const qdiscs = await tc.list(c.x, props.namespace, props.device).catch(() => []);
    if (tc.root(qdiscs)?.handle !== tc.HANDLE) return undefined;
    if (props.rate === undefined) return {};
    // tbf is the root, or netem's child; tc reports its rate in bytes per second.
    const tbf = qdiscs.find((x) => x.kind === "tbf");
    const have = tbf?.options?.rate;
    return { rate: have === undefined ? undefined : have === bytesPerSecond(props.rate) ? props.rate : `${have * 8}bit` };
  },

  update: async (c, _olds, news) => (await apply(c, news), {}),

  async delete(c, props) {
    await tc.clear(c.x, props.namespace, props.device);
  },
});

/** What holds the device's root: ours (handle 4e4c:), someone's qdisc, or nothing but the default. */
async function trafficShapingFound(c: Ctx, i: I) {
  const q = tc.root(await tc.list(c.x, i.namespace, i.device).catch(() => []));
  if (tc.isDefault(q)) return null;
  return { marker: q!.handle === tc.HANDLE ? c.mark : undefined, what: `a ${q!.kind} qdisc (handle ${q!.handle})`, where: `at the root of ${i.device} in namespace "${i.namespace}"` };
}
