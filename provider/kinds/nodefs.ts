/**
 * NodeFilesystem: a node's own filesystem view, as a container has (kernel/nodefs.ts): its own
 * /etc, /root and /var (copy-on-write over the host's), an empty /tmp and /run, its own /sys, and
 * containerlab-style binds. What runs in the node with `filesystem: true` (Process, Command) or
 * through `netns-lab exec` sees it; the host's files are never written. Marked by its directory's
 * `owner` file. With `hostname`, also a host name of its own (a UTS namespace). Any change replaces it (a mount namespace cannot be re-made in place): the node's
 * processes start again in the new one.
 */
import { z } from "zod";
import { KernelError } from "../kernel/exec";
import * as netns from "../kernel/netns";
import * as nodefs from "../kernel/nodefs";
import { absolutePath, hostname, nsname } from "./fields";
import { defineKind, noNamespace } from "./kind";

const bind = z
  .object({
    /** The file or directory on this machine (absolute). */
    source: absolutePath,
    /** Where the node sees it (absolute). */
    target: absolutePath,
    /** Read-only in the node (containerlab's `:ro`). */
    readOnly: z.boolean().default(false),
  })
  .strict()
  .superRefine((b, ctx) => {
    const why = nodefs.bindProblem(b);
    if (why) ctx.addIssue({ code: z.ZodIssueCode.custom, message: why, path: ["target"] });
  });

export const nodeFilesystem = defineKind({
  inputs: {
    /** The node: its network namespace (a NetNamespace's name). */
    namespace: nsname,
    /** Files and directories of this machine the node sees at paths of its own. */
    binds: z.array(bind).default([]),
    /** A host name of its own, as a container has (a UTS namespace entered with the others); default: this machine's. */
    hostname: hostname.optional(),
  },
  outputs: {
    /** The file its mount namespace is bound to (what `nsenter --mount=` takes). */
    mountNamespace: z.string(),
  },
  replaceOn: ["namespace", "binds", "hostname"],
  inPlace: [],
  refine: (i) => {
    const seen = new Set<string>();
    const dup = i.binds.find((b) => seen.size === seen.add(b.target.replace(/\/+$/, "")).size);
    return dup ? [{ property: "binds", reason: `binds: ${dup.target} is bound twice` }] : [];
  },
  // No namespace guard: its mount namespace (a bind of its own) outlives the network one, and must still go.
  namespaces: () => [],
  goesWithNamespace: () => false,
  makes: ["in"],
  // What runs in the node (Processes, Commands: they need "inside") starts after it.
  provides: (i) => [{ kind: "in", ns: i.namespace }],
  needs: (i) => [{ kind: "namespace", ns: i.namespace }, ...i.binds.map((b) => ({ kind: "file" as const, path: b.source }))],
  remark: "update", // the owner file is rewritten
  title: (i) => `filesystem of node ${i.namespace}`,
  id: (i) => nodefs.fsDir(i.namespace),

  async create(c, i, undo) {
    if (!(await netns.exists(c.x, i.namespace))) throw new Error(noNamespace(`the filesystem of node ${i.namespace}`, i.namespace));
    if (await c.x.stat(nodefs.fsDir(i.namespace))) throw new KernelError(`${nodefs.fsDir(i.namespace)} exists`, "exists", [], "");
    await nodefs.make(c.x, i.namespace, c.mark, i.binds, undo, i.hostname);
    return { mountNamespace: nodefs.mountPath(i.namespace) };
  },

  async found(c, i) {
    if (!(await c.x.stat(nodefs.fsDir(i.namespace)))) return null;
    return { marker: await nodefs.markerOf(c.x, i.namespace), what: `the filesystem view of node ${i.namespace} (${nodefs.fsDir(i.namespace)})`, hint: `Remove it yourself (umount ${nodefs.mountPath(i.namespace)}; rm -r ${nodefs.fsDir(i.namespace)}) or choose another namespace name.` };
  },

  async adopt(c, i, undo) {
    await nodefs.remove(c.x, i.namespace); // what an interrupted create left: made again whole
    await nodefs.make(c.x, i.namespace, c.mark, i.binds, undo, i.hostname);
    return { mountNamespace: nodefs.mountPath(i.namespace) };
  },

  async read(c, props) {
    if (!(await nodefs.exists(c.x, props.namespace)) || (await nodefs.markerOf(c.x, props.namespace)) !== c.mark) return undefined;
    return { mountNamespace: nodefs.mountPath(props.namespace) };
  },

  async update(c, _olds, news) {
    await c.x.writeFile(`${nodefs.fsDir(news.namespace)}/owner`, `${c.mark}\n`, 0o644);
    return { mountNamespace: nodefs.mountPath(news.namespace) };
  },

  async delete(c, props) {
    await nodefs.remove(c.x, props.namespace);
  },
});
