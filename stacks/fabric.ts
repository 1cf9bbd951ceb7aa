/**
 * The fabric lab, for scale: a leaf–spine fabric. S spines, L leaves (each a router cabled to every
 * spine), and on every leaf a LAN (a switch namespace with a bridge) of H hosts.
 *
 *   spine s – leaf l   10.<s>.<l>.0/24   spine .1, leaf .2
 *   LAN of leaf l      172.16.<l>.0/24   leaf .1, host i (1..H) .(i+1)
 *
 * Static routing: a host's default route goes to its leaf; a leaf's default route goes to spine 1
 * (the other spines are cabled and routed, standing by); every spine routes to each leaf its LAN and
 * its uplinks to the other spines. So every address answers every node. No hosts files (each would
 * list the whole fabric: state growing with the square of its size).
 *
 * Sizes (config netns-lab:fabric, "SxLxH" or a name): tiny 2x2x2 (10 namespaces, the default),
 * small 2x6x15 (104), medium 4x16x18 (324), large 4x40x24 (1,044).
 */
import { Lab, LabNode, LabOptions, RouteSpec } from "netns-lab";

export const FABRIC_SIZES: Record<string, string> = { tiny: "2x2x2", small: "2x6x15", medium: "4x16x18", large: "4x40x24" };

export interface FabricSize {
  spines: number;
  leaves: number;
  hosts: number;
}

/** "4x40x24" or a size name -> numbers, checked (addresses must fit the plan above). */
export function fabricSize(spec: string): FabricSize {
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(FABRIC_SIZES[spec] ?? spec);
  const [spines, leaves, hosts] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [NaN, NaN, NaN];
  if (!(spines >= 1 && spines <= 250 && leaves >= 1 && leaves <= 250 && hosts >= 1 && hosts <= 250)) {
    throw new Error(
      `netns-lab:fabric must be SPINESxLEAVESxHOSTS (each 1-250) or one of ${Object.keys(FABRIC_SIZES).join(", ")} (got "${spec}")`,
    );
  }
  return { spines, leaves, hosts };
}

/** How many namespaces a fabric has: spines, leaves, a switch per leaf, hosts. */
export const fabricNamespaces = (s: FabricSize): number => s.spines + s.leaves * (2 + s.hosts);

export function fabric(size: FabricSize, options: LabOptions = {}) {
  const lab = new Lab("fabric", { hosts: false, ...options });
  const spines = Array.from({ length: size.spines }, (_, i) => lab.router(`s${i + 1}`));
  const spineRoutes: RouteSpec[][] = spines.map(() => []);
  const hosts: LabNode[] = [];
  for (let l = 1; l <= size.leaves; l++) {
    const leaf = lab.router(`l${l}`);
    spines.forEach((spine, i) => {
      const s = i + 1;
      lab.link(spine, leaf, { addresses: [`10.${s}.${l}.1/24`, `10.${s}.${l}.2/24`] });
      spineRoutes[i].push({ destination: `172.16.${l}.0/24`, via: `10.${s}.${l}.2` });
      for (let t = 1; t <= size.spines; t++) if (t !== s) spineRoutes[i].push({ destination: `10.${t}.${l}.0/24`, via: `10.${s}.${l}.2` });
    });
    leaf.routes([{ destination: "default", via: `10.1.${l}.1` }]);
    const members: Array<[LabNode, string]> = [[leaf, `172.16.${l}.1/24`]];
    for (let i = 1; i <= size.hosts; i++) {
      const host = lab.host(`h${l}-${i}`);
      members.push([host, `172.16.${l}.${i + 1}/24`]);
      host.routes([{ destination: "default", via: `172.16.${l}.1` }]);
      hosts.push(host);
    }
    lab.lan(`lan${l}`, members);
  }
  spines.forEach((spine, i) => spine.routes(spineRoutes[i]));
  const last = `172.16.${size.leaves}.${size.hosts + 1}`;
  return { lab, from: hosts[0], to: last };
}
