/**
 * Address arithmetic for IPv4 and IPv6 alike, on ipaddr.js: parse, normalise, family, network, host
 * bits, containment. Pure functions: no kernel, no engine.
 *
 * Strict on purpose: IPv4 only in four-part decimal ("10.1" and "0x0a.0.0.1" are refused, though
 * inet_aton would take them), prefix lengths only in decimal.
 */
import * as ipaddr from "ipaddr.js";

export type Family = 4 | 6;

export interface Cidr {
  /** The address as written (without the prefix length). */
  addr: string;
  prefix: number;
  family: Family;
}

function parseAddr(s: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (typeof s !== "string") return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s);
  // The zone of a link-local address (fe80::1%eth0) is not part of an address in a lab's inputs.
  if (!s.includes("%") && ipaddr.IPv6.isValid(s)) return ipaddr.IPv6.parse(s);
  return undefined;
}

/** The family of an address (4 or 6), or undefined if it is not one. */
export function familyOf(addr: string): Family | undefined {
  const a = parseAddr(addr);
  return a ? (a.kind() === "ipv4" ? 4 : 6) : undefined;
}

export const isAddress = (s: string): boolean => familyOf(s) !== undefined;

/** "192.168.1.2/24" or "fd00::1/64" split and checked, or undefined. */
export function parseCidr(s: string): Cidr | undefined {
  if (typeof s !== "string") return undefined;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const family = familyOf(m[1]);
  const prefix = Number(m[2]);
  if (!family || prefix > (family === 4 ? 32 : 128)) return undefined;
  return { addr: m[1], prefix, family };
}

/**
 * The canonical text of an address: dotted quad for IPv4, RFC 5952 for IPv6 (fd00:0::1 -> fd00::1,
 * ::ffff:10.0.0.1 -> ::ffff:a00:1). Two texts name the same address exactly when their canonical
 * forms are equal.
 */
export function canonical(addr: string): string {
  const a = parseAddr(addr);
  if (!a) throw new Error(`"${addr}" is not an IPv4 or IPv6 address`);
  return a.kind() === "ipv4" ? a.toString() : (a as ipaddr.IPv6).toRFC5952String();
}

export const sameAddress = (a: string, b: string): boolean => isAddress(a) && isAddress(b) && canonical(a) === canonical(b);

/** An address with prefix length in canonical form ("fd00:0::1/64" -> "fd00::1/64"). */
export function canonicalCidr(c: string): string {
  const p = parseCidr(c);
  if (!p) throw new Error(`"${c}" is not an address with prefix length`);
  return `${canonical(p.addr)}/${p.prefix}`;
}

/** The network a CIDR is in, in canonical form: 192.168.1.2/24 -> 192.168.1.0/24, fd00:1::1/64 -> fd00:1::/64. */
export function networkOf(c: string): string {
  const p = parseCidr(c);
  if (!p) throw new Error(`"${c}" is not an address with prefix length`);
  const net = p.family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(c) : ipaddr.IPv6.networkAddressFromCIDR(c);
  return `${p.family === 4 ? net.toString() : (net as ipaddr.IPv6).toRFC5952String()}/${p.prefix}`;
}

/** Whether a CIDR has bits set past its prefix (10.0.0.1/24 does; 10.0.0.0/24 does not). */
export const hasHostBits = (c: string): boolean => networkOf(c) !== canonicalCidr(c);

/** Whether `addr` lies inside the network of `cidr` (same family only). */
export function contains(cidr: string, addr: string): boolean {
  const p = parseCidr(cidr);
  const a = parseAddr(addr);
  if (!p || !a || (a.kind() === "ipv4") !== (p.family === 4)) return false;
  return a.match(parseAddr(p.addr)!, p.prefix);
}
