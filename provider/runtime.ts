/**
 * The implementation side of every netns-lab dynamic provider, loaded at run time by the shim in
 * shim.ts (in the Pulumi dynamic-provider process) from the compiled dist/ tree. Nothing here is
 * serialized into the state, so refresh and destroy always run the current code.
 */
import { address } from "./kinds/address";
import { Kind } from "./kinds/common";
import { forwarding } from "./kinds/forwarding";
import { namespace } from "./kinds/namespace";
import { route } from "./kinds/route";
import { routeTable } from "./kinds/routetable";
import { veth } from "./kinds/veth";

export const kinds: Record<string, Kind> = {
  NetNamespace: namespace,
  VethLink: veth,
  IpAddress: address,
  IpForwarding: forwarding,
  Route: route,
  RouteTable: routeTable,
};

export function kind(name: string): Kind {
  const k = kinds[name];
  if (!k) throw new Error(`netns-lab: unknown resource kind "${name}" (state written by a newer netns-lab?)`);
  return k;
}
