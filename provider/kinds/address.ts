/** IpAddress: one IPv4 or IPv6 address (CIDR) on a device in a namespace. Every change replaces. */
import { ip, ipJson, KernelError, namespaceExists, showLink } from "../kernel";
import { checkFields, cidr, diffFields, ifname, Kind, nsname, owner, parseCidr, stackMarker } from "./common";

interface AddrInfo {
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

async function present(ns: string, dev: string, address: string): Promise<boolean> {
  if (!namespaceExists(ns)) return false;
  const want = parseCidr(address)!;
  try {
    const links = await ipJson<AddrInfo[]>(ns, ["addr", "show", "dev", dev]);
    return (links[0]?.addr_info ?? []).some(
      (a) => a.prefixlen === want.prefix && normalize(a.local) === normalize(want.addr),
    );
  } catch (e) {
    if (e instanceof KernelError && (e.kind === "no-device" || e.kind === "no-namespace")) return false;
    throw e;
  }
}

// IPv6 text forms differ (fd00:0::1 vs fd00::1); compare the kernel's canonical form to ours.
function normalize(a: string): string {
  if (!a.includes(":")) return a;
  const full = a.split("::");
  const head = full[0] ? full[0].split(":") : [];
  const tail = full.length > 1 && full[1] ? full[1].split(":") : [];
  const fill = Array(8 - head.length - tail.length).fill("0");
  return [...head, ...(full.length > 1 ? fill : []), ...tail].map((g) => parseInt(g, 16).toString(16)).join(":");
}

export const address: Kind = {
  async check(_olds, news) {
    return checkFields(news, { namespace: nsname, device: ifname, address: cidr, owner }, ["namespace", "device", "address", "owner"]);
  },

  async diff(_id, olds, news) {
    return diffFields(olds, news, { replace: ["namespace", "device", "address"], update: ["owner"] });
  },

  async create(inputs) {
    const { namespace: ns, device: dev, address: addr } = inputs;
    const id = `${ns}/${dev}/${addr}`;
    if (!namespaceExists(ns)) throw new Error(`cannot add ${addr}: network namespace "${ns}" does not exist`);
    const v6 = parseCidr(addr)!.family === 6;
    try {
      // nodad: a lab address is usable at once instead of after duplicate-address detection.
      await ip(ns, ["addr", "add", addr, "dev", dev, ...(v6 ? ["nodad"] : [])], { doing: `add ${addr} to ${dev} in ${ns}` });
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      if (e.kind === "no-device") throw new Error(`cannot add ${addr}: device "${dev}" does not exist in namespace "${ns}"`);
      if (e.kind !== "exists") throw e;
      // Already there. Addresses carry no marker of their own; one on a device this stack made is
      // taken as ours (left by an interrupted run), anything else is someone else's.
      const link = await showLink(ns, dev);
      if (!link?.ifalias || !link.ifalias.startsWith(stackMarker(inputs.owner))) {
        throw new Error(`address ${addr} is already assigned to ${dev} in namespace "${ns}" by someone else: netns-lab will not adopt it`);
      }
    }
    return { id, outs: { ...inputs } };
  },

  async read(id, props) {
    return (await present(props.namespace, props.device, props.address)) ? { id, props } : {};
  },

  async update(_id, _olds, news) {
    return { outs: { ...news } }; // only the owner marker can change in place, and addresses carry none
  },

  async delete(_id, props) {
    if (!namespaceExists(props.namespace)) return;
    try {
      await ip(props.namespace, ["addr", "del", props.address, "dev", props.device], {
        doing: `remove ${props.address} from ${props.device} in ${props.namespace}`,
      });
    } catch (e) {
      // Already gone (address, device or namespace): deleting is idempotent.
      if (e instanceof KernelError && (e.kind === "no-device" || e.kind === "no-namespace" || /address not found|cannot assign requested address/i.test(e.stderr))) return;
      throw e;
    }
  },
};
