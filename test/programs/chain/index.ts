// A chain of routers, as a user writes it with raw resources: n0 - n1 - ... - nN - n(N+1), hosts at
// both ends, one Route per route, every declaration in a shuffled order, no dependsOn, no config
// needed (names from the stack name).
import * as pulumi from "@pulumi/pulumi";
import { IpAddress, IpForwarding, NetNamespace, Route, VethLink } from "netns-lab";

const p = pulumi.getStack();
const N = Number(new pulumi.Config().get("routers") ?? 20);
const ns = (i: number) => `${p}n${i}`;
const net = (j: number) => `10.200.${j}`;

const decls: Array<() => void> = [];
for (let i = 0; i <= N + 1; i++) decls.push(() => new NetNamespace(ns(i)));
for (let j = 0; j <= N; j++) {
  // Link j joins n(j) ("right") and n(j+1) ("left"): n(j) is .1, n(j+1) is .2.
  decls.push(() => new VethLink(`link${j}`, { name: "right", namespace: ns(j), peerName: "left", peerNamespace: ns(j + 1) }));
  decls.push(() => new IpAddress(`addr${j}a`, { namespace: ns(j), device: "right", address: `${net(j)}.1/24` }));
  decls.push(() => new IpAddress(`addr${j}b`, { namespace: ns(j + 1), device: "left", address: `${net(j)}.2/24` }));
}
for (let k = 1; k <= N; k++) {
  decls.push(() => new IpForwarding(`fwd${k}`, { namespace: ns(k), ipv4: true }));
  for (let j = 0; j <= N; j++) {
    if (j === k - 1 || j === k) continue; // connected
    const via = j > k ? `${net(k)}.2` : `${net(k - 1)}.1`;
    decls.push(() => new Route(`route${k}-${j}`, { namespace: ns(k), destination: `${net(j)}.0/24`, via }));
  }
}
decls.push(() => new Route("h0-default", { namespace: ns(0), destination: "default", via: `${net(0)}.2` }));
decls.push(() => new Route(`h${N + 1}-default`, { namespace: ns(N + 1), destination: "default", via: `${net(N)}.1` }));

// A fixed shuffle (the same order on every run, so the preview after up is empty).
let seed = 20;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);
for (let i = decls.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [decls[i], decls[j]] = [decls[j], decls[i]];
}
decls.forEach((d) => d());

export const ping = [ns(0), `${net(N)}.2`];
