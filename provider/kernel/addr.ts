/** Addresses on links (`ip addr`), compared by value: fd00:0::1/64 and fd00::1/64 are one address. */
import { canonicalCidr, parseCidr } from "../net";
import { Executor, KernelError } from "./exec";
import { ip, ipJson } from "./ip";
import { exists } from "./netns";

interface AddrJson {
  ifname?: string;
  addr_info?: Array<{ family: string; local: string; prefixlen: number; scope?: string }>;
}

export interface Address {
  device: string;
  /** Canonical CIDR, e.g. 192.168.1.2/24, fd00::1/64. */
  cidr: string;
  scope: string;
}

const gone = (e: unknown) => e instanceof KernelError && (e.kind === "no-device" || e.kind === "no-namespace");

/** The addresses of a device (or of every device), empty when the device or namespace is gone. */
export async function list(x: Executor, ns: string, dev?: string): Promise<Address[]> {
  if (!(await exists(x, ns))) return [];
  try {
    const links = await ipJson<AddrJson[]>(x, ns, ["addr", "show", ...(dev ? ["dev", dev] : [])]);
    return links.flatMap((l) =>
      (l.addr_info ?? []).map((a) => ({ device: l.ifname ?? dev ?? "", cidr: canonicalCidr(`${a.local}/${a.prefixlen}`), scope: a.scope ?? "global" })),
    );
  } catch (e) {
    if (gone(e)) return [];
    throw e;
  }
}

/** Whether the device holds this address (same value and prefix length). */
export async function has(x: Executor, ns: string, dev: string, cidr: string): Promise<boolean> {
  const want = canonicalCidr(cidr);
  return (await list(x, ns, dev)).some((a) => a.cidr === want);
}

/** Adds an address; IPv6 without duplicate-address detection, so it is usable at once. */
export async function add(x: Executor, ns: string, dev: string, cidr: string): Promise<void> {
  const v6 = parseCidr(cidr)?.family === 6;
  await ip(x, ns, ["addr", "add", cidr, "dev", dev, ...(v6 ? ["nodad"] : [])], { doing: `add ${cidr} to ${dev} in ${ns}` });
}

/** Removes an address; false if it (or its device or namespace) was already gone. */
export async function del(x: Executor, ns: string, dev: string, cidr: string): Promise<boolean> {
  if (!(await exists(x, ns))) return false;
  try {
    await ip(x, ns, ["addr", "del", cidr, "dev", dev], { doing: `remove ${cidr} from ${dev} in ${ns}` });
    return true;
  } catch (e) {
    if (gone(e) || (e instanceof KernelError && /address not found|cannot assign requested address/i.test(e.stderr))) return false;
    throw e;
  }
}
