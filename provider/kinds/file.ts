/**
 * File: a file the lab needs (a daemon's configuration), written whole. Ours is what we wrote, and
 * only that: each file we write has a record, /run/netns-lab/files/<hash of its path>, naming its
 * owner, written before the file. An existing file without our record is refused, never overwritten
 * or adopted — even with the same content (a user's own copy) — and never deleted; an edit by hand is
 * drift that the next up puts back; delete removes it and its record (and, under /run, the
 * directories they leave empty). A file written by a release before the records counts as ours for
 * delete when its content is the state's.
 */
import { z } from "zod";
import { KernelError } from "../kernel/exec";
import { absolutePath } from "./fields";
import { fileRecord, fileRecordOf, marker, parseFileRecord } from "../ownership";
import { Ctx, defineKind } from "./kind";

/** The owner that wrote the file at `path`, as its record says (undefined: no record). */
async function writer(c: Ctx, path: string): Promise<string | undefined> {
  const r = parseFileRecord(await c.x.readFile(fileRecordOf(path)));
  return r?.path === path ? r.owner : undefined;
}
const record = (c: Ctx, path: string) => c.x.writeFile(fileRecordOf(path), fileRecord(c.owner, path), 0o600);

export const file = defineKind({
  inputs: {
    /** Where it is (absolute; its directory is made). A file there that is not ours is refused. */
    path: absolutePath,
    /** Its text, whole. */
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
  remark: (c, _olds, news) => record(c, news.path),
  title: (i) => `file ${i.path}`,
  id: (i) => i.path,

  async create(c, i, undo) {
    if ((await c.x.readFile(i.path)) !== undefined) throw new KernelError(`${i.path} exists`, "exists", [], "");
    // The record first: a run killed between the two leaves a record without a file, which the
    // next create overwrites; never a file without its record.
    await record(c, i.path);
    undo.push(() => c.x.removeFile(fileRecordOf(i.path), "/run"));
    undo.push(() => c.x.removeFile(i.path, "/run"));
    await c.x.writeFile(i.path, i.content, i.mode);
    return {};
  },

  async found(c, i, why) {
    const text = await c.x.readFile(i.path);
    if (text === undefined) return null;
    const by = await writer(c, i.path);
    const legacy = why === "delete" && by === undefined && text === i.content;
    return { marker: by !== undefined ? marker(by) : legacy ? c.mark : undefined, what: `file ${i.path}`, hint: "Remove it yourself or choose another path." };
  },

  adopt: async (c, i) => (await c.x.writeFile(i.path, i.content, i.mode), {}),

  async read(c, props) {
    const text = await c.x.readFile(props.path);
    if (text === undefined) return undefined;
    const by = await writer(c, props.path);
    if (by !== undefined && by !== props.owner) return undefined; // another's now
    const mode = (await c.x.stat(props.path))?.mode;
    return { content: text, ...(mode !== undefined ? { mode: mode & 0o7777 } : {}) };
  },

  update: async (c, _olds, news) => (await c.x.writeFile(news.path, news.content, news.mode), {}),

  async delete(c, props) {
    await c.x.removeFile(props.path, "/run");
    await c.x.removeFile(fileRecordOf(props.path), "/run");
  },
});
