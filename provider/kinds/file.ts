/**
 * File: a file the lab needs (a daemon's configuration), written whole. Ours is what we wrote: an
 * existing file with other content is refused, never overwritten; an edit by hand is drift that
 * the next up puts back; delete removes it (and, under /run, the directories it leaves empty).
 */
import { z } from "zod";
import { KernelError } from "../kernel/exec";
import { absolutePath } from "./fields";
import { defineKind } from "./kind";

export const file = defineKind({
  inputs: {
    path: absolutePath,
    content: z.string(),
    /** Permissions, e.g. 0o644 (the default). */
    mode: z.number().int().min(0).max(0o7777).default(0o644),
  },
  outputs: {},
  replaceOn: ["path"],
  inPlace: ["content", "mode"],
  namespaces: () => [],
  makes: ["file"],
  provides: (i) => [{ kind: "file", path: i.path }],
  needs: () => [],
  title: (i) => `file ${i.path}`,
  id: (i) => i.path,

  async create(c, i, undo) {
    if ((await c.x.readFile(i.path)) !== undefined) throw new KernelError(`${i.path} exists`, "exists", [], "");
    undo.push(() => c.x.removeFile(i.path, "/run"));
    await c.x.writeFile(i.path, i.content, i.mode);
    return {};
  },

  async found(c, i) {
    const text = await c.x.readFile(i.path);
    if (text === undefined) return null;
    // The same content is ours (left by an interrupted run); other content is someone else's file.
    return { marker: text === i.content ? c.mark : undefined, what: `file ${i.path}`, hint: "Remove it yourself or choose another path." };
  },

  adopt: async (c, i) => (await c.x.writeFile(i.path, i.content, i.mode), {}),

  async read(c, props) {
    const text = await c.x.readFile(props.path);
    if (text === undefined) return undefined;
    const mode = (await c.x.stat(props.path))?.mode;
    return { content: text, ...(mode !== undefined ? { mode: mode & 0o7777 } : {}) };
  },

  update: async (c, _olds, news) => (await c.x.writeFile(news.path, news.content, news.mode), {}),

  async delete(c, props) {
    await c.x.removeFile(props.path, "/run");
  },
});
