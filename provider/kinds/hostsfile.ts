/**
 * HostsFile: /etc/netns/<namespace>/hosts, which `ip netns exec` mounts over /etc/hosts, so names
 * resolve inside a lab (`ping h2`). Its first line carries the marker. Removed on delete, with its
 * directory when empty, also when the namespace itself is already gone.
 */
import { z } from "zod";
import * as hosts from "../kernel/hosts";
import { KernelError } from "../kernel/exec";
import { hostname, ipaddr, nsname } from "./fields";
import { defineKind } from "./kind";

export const hostsFile = defineKind({
  inputs: {
    /** The network namespace it lives in (a NetNamespace's name). */
    namespace: nsname,
    /** Name -> addresses, written in this order (loopbacks first, say). */
    entries: z.record(hostname, z.array(ipaddr)),
  },
  outputs: { path: z.string() },
  replaceOn: ["namespace"],
  inPlace: ["entries"],
  namespaces: () => [], // a file: it outlives its namespace and must still go
  makes: ["in"],
  provides: (i) => [{ kind: "in", ns: i.namespace }],
  // Written once its namespace is there (ip netns exec reads it there), removed before it goes.
  needs: (i) => [{ kind: "namespace", ns: i.namespace }],
  remark: "update",
  title: (i) => `hosts file of ${i.namespace}`,
  id: (i) => hosts.hostsPath(i.namespace),

  async create(c, i, undo) {
    if (await hosts.read(c.x, i.namespace)) throw new KernelError(`${hosts.hostsPath(i.namespace)} exists`, "exists", [], "");
    undo.push(() => hosts.remove(c.x, i.namespace));
    await hosts.write(c.x, i.namespace, c.mark, i.entries);
    return { path: hosts.hostsPath(i.namespace) };
  },

  async found(c, i) {
    const f = await hosts.read(c.x, i.namespace);
    return f ? { marker: f.marker, what: hosts.hostsPath(i.namespace), hint: "Remove it yourself or choose another namespace name." } : null;
  },

  adopt: async (c, i) => (await hosts.write(c.x, i.namespace, c.mark, i.entries), { path: hosts.hostsPath(i.namespace) }),

  async read(c, props) {
    const f = await hosts.read(c.x, props.namespace);
    return f && f.marker === c.mark ? { entries: f.entries, path: hosts.hostsPath(props.namespace) } : undefined;
  },

  update: async (c, _olds, news) => (await hosts.write(c.x, news.namespace, c.mark, news.entries), { path: hosts.hostsPath(news.namespace) }),

  async delete(c, props) {
    await hosts.remove(c.x, props.namespace);
  },
});
