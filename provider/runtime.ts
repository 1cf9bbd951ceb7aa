/**
 * The implementation side of every netns-lab dynamic provider, loaded at run time by the shim in
 * shim.ts (in the Pulumi dynamic-provider process) from the compiled dist/ tree. Nothing here is
 * serialized into the state, so refresh and destroy always run the current code.
 *
 * The registry: a new kind is one file in kinds/ plus one line here.
 */
import * as fs from "fs";
import { address } from "./kinds/address";
import { bridge } from "./kinds/bridge";
import { command } from "./kinds/command";
import { file } from "./kinds/file";
import { forwarding } from "./kinds/forwarding";
import { hostsFile } from "./kinds/hostsfile";
import { Kind, Provider } from "./kinds/kind";
import { namespace } from "./kinds/namespace";
import { nat } from "./kinds/nat";
import { nodeFilesystem } from "./kinds/nodefs";
import { processKind } from "./kinds/process";
import { routeKind } from "./kinds/route";
import { routeTable } from "./kinds/routetable";
import { trafficShaping } from "./kinds/shaping";
import { veth } from "./kinds/veth";
import { vxlan } from "./kinds/vxlan";
import { macvlan } from "./kinds/macvlan";

export const kinds = {
  NetNamespace: namespace,
  VethLink: veth,
  IpAddress: address,
  IpForwarding: forwarding,
  Route: routeKind,
  RouteTable: routeTable,
  Bridge: bridge,
  Nat: nat,
  TrafficShaping: trafficShaping,
  HostsFile: hostsFile,
  Process: processKind,
  File: file,
  VxlanLink: vxlan,
  MacvlanLink: macvlan,
  Command: command,
  NodeFilesystem: nodeFilesystem,
} satisfies Record<string, Kind<any, any>>;

export type KindName = keyof typeof kinds;

const wrapped = new Map<string, Provider>();

/** The provider of a kind, as the shim calls it (wrapped once per kind and process). */
export function kind(name: string): Provider {
  const cached = wrapped.get(name);
  if (cached) return cached;
  const k = (kinds as Record<string, Provider>)[name];
  if (!k) throw new Error(`netns-lab: unknown resource kind "${name}" (state written by a newer netns-lab?)`);
  const plain = plainResults(k);
  const w = process.env.NETNS_LAB_TRACE ? traced(name, plain, process.env.NETNS_LAB_TRACE) : plain;
  wrapped.set(name, w);
  return w;
}

/** Outputs go to the engine as protobuf Structs, which cannot hold `undefined`: drop such keys. */
const plainJson = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
function plainResults(k: Provider): Provider {
  return {
    check: (olds, news) => k.check(olds, news),
    diff: (id, olds, news) => k.diff(id, olds, news),
    create: async (inputs) => plainJson(await k.create(inputs)),
    read: async (id, props) => plainJson(await k.read(id, props)),
    update: async (id, olds, news) => plainJson(await k.update(id, olds, news)),
    delete: (id, props) => k.delete(id, props),
  };
}

/**
 * With NETNS_LAB_TRACE=<file>, every provider call appends {kind, method, ms} as a JSON line: how
 * `make bench` tells provider time from engine time.
 */
function traced(name: string, k: Provider, file: string): Provider {
  const wrap = <A extends unknown[], R>(method: string, f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    const t0 = process.hrtime.bigint();
    try {
      return await f(...a);
    } finally {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      fs.appendFileSync(file, JSON.stringify({ kind: name, method, ms }) + "\n");
    }
  };
  return {
    check: wrap("check", k.check),
    diff: wrap("diff", k.diff),
    create: wrap("create", k.create),
    read: wrap("read", k.read),
    update: wrap("update", k.update),
    delete: wrap("delete", k.delete),
  };
}
