/**
 * Who made a kernel object. The only module that knows what a marker looks like, and the typed
 * errors for "it exists and is not ours". netns-lab adopts what carries its own marker (left by an
 * interrupted run), refuses what carries another, and never deletes by name alone.
 *
 * An owner is `<project>/<stack>/<resource>`. Its marks:
 * - namespaces: the alias of the namespace's `lo`, `netns-lab:<owner>`;
 * - links (veth ends, and the kinds to come): the link's alias, `netns-lab:<owner>`;
 * - routes: rtnetlink protocol 78 (a route cannot carry a text; the Route or RouteTable that
 *   declares a destination and metric claims it);
 * - files: a record beside them (below);
 * - addresses: none of their own (iproute2 6.1 cannot tag one); an address on a link this stack
 *   made is taken as the stack's.
 */
import { createHash } from "crypto";

export const OWNER_PREFIX = "netns-lab:";

/** The marker text of an owner, as stored in an alias. */
export const marker = (owner: string): string => `${OWNER_PREFIX}${owner}`;

/** The owner inside a marker, or undefined when the text is not a netns-lab marker. */
export const ownerIn = (text: string | undefined): string | undefined =>
  text?.startsWith(OWNER_PREFIX) ? text.slice(OWNER_PREFIX.length) : undefined;

/** `<project>/<stack>` of an owner. */
export const stackOf = (owner: string): string => owner.split("/").slice(0, 2).join("/");

/**
 * Files (kinds/file.ts): a file's text cannot carry a marker (it is a daemon's configuration), so
 * each file we write has a record, /run/netns-lab/files/<hash of its path>, holding its owner and
 * path: written before the file, removed after it.
 */
export const FILE_RECORDS = "/run/netns-lab/files";
export const fileRecordOf = (path: string): string => `${FILE_RECORDS}/${createHash("sha256").update(path).digest("hex").slice(0, 24)}`;
export const fileRecord = (owner: string, path: string): string => `${owner}\n${path}\n`;
/** A record's owner and path, or undefined when it is not one. */
export const parseFileRecord = (text: string | undefined): { owner: string; path: string } | undefined => {
  const [owner, path] = (text ?? "").split("\n");
  return owner && path ? { owner, path } : undefined;
};

/**
 * Objects the kernel cannot mark as it makes them (a namespace, a veth pair, a bridge, a VXLAN
 * device: the alias is the next call): a record of the owner, /run/netns-lab/pending/<hash of what
 * and where>, is written before the object is made and removed once it is marked. An unmarked object
 * with our record is one a killed run made (adopted, marked); without it, a stranger's (refused).
 */
export const PENDING_RECORDS = "/run/netns-lab/pending";
export const pendingRecordOf = (what: string): string => `${PENDING_RECORDS}/${createHash("sha256").update(what).digest("hex").slice(0, 24)}`;
export const pendingRecord = (owner: string, what: string): string => `${owner}\n${what}\n`;
export const parsePendingRecord = (text: string | undefined): { owner: string; what: string } | undefined => {
  const [owner, what] = (text ?? "").split("\n");
  return owner && what ? { owner, what } : undefined;
};

/** The file that marks a Process's run directory as its owner's (its text: the owner). */
export const RUN_DIR_MARK = ".netns-lab-owner";

/** rtnetlink protocol number marking netns-lab's routes (unassigned in /etc/iproute2/rt_protos). */
export const ROUTE_PROTOCOL = "78";

/**
 * How an object found in the kernel relates to the resource that wants it:
 * - `ours`: it carries this resource's marker (adopt it);
 * - `stack`: another resource of the same stack made it (two resources claim one name);
 * - `foreign`: unmarked, or another stack's (leave it alone);
 * - `absent`: there is nothing.
 */
export type Claim = "ours" | "stack" | "foreign" | "absent";

/** The claim, from the marker found on an object (`null`: there is no object at all). */
export function claim(found: string | undefined | null, owner: string): Claim {
  if (found === null) return "absent";
  const who = ownerIn(found);
  if (who === owner) return "ours";
  if (who !== undefined && stackOf(who) === stackOf(owner)) return "stack";
  return "foreign";
}

/** Whether a marker was set by the same stack as `owner` (by any of its resources). */
export const sameStack = (found: string | undefined, owner: string): boolean => {
  const c = claim(found, owner);
  return c === "ours" || c === "stack";
};

/** What stands in the way: a thing (`interface "eth0"`) and where (`in namespace "host1"`). */
export interface Obstacle {
  what: string;
  where?: string;
  /** The marker found on it, if any. */
  found?: string;
  /** What the user can do, e.g. `Remove it yourself (ip netns del x) or choose another name.` */
  hint?: string;
}

const where = (o: Obstacle) => (o.where ? ` ${o.where}` : "");

/** An object exists with another owner's marker, or none: netns-lab will neither adopt nor delete it. */
export class NotOursError extends Error {
  constructor(readonly obstacle: Obstacle) {
    super(
      `${obstacle.what} already exists${where(obstacle)} and is not owned by this stack ` +
        `(${obstacle.found ? `its marker is "${obstacle.found}"` : "it carries no netns-lab marker"}): ` +
        `netns-lab will not adopt or delete it.${obstacle.hint ? ` ${obstacle.hint}` : ""}`,
    );
    this.name = "NotOursError";
  }
}

/** An object exists that another resource of this same stack made: two resources claim one name. */
export class ClaimedError extends Error {
  constructor(readonly obstacle: Obstacle) {
    super(
      `${obstacle.what} already exists${where(obstacle)}, made by another resource of this stack ` +
        `(${ownerIn(obstacle.found) ?? "?"}): two resources cannot claim the same kernel object`,
    );
    this.name = "ClaimedError";
  }
}

/** Throws the typed error for a claim that is neither `ours` nor `absent`. */
export function refuse(c: Claim, obstacle: Obstacle): void {
  if (c === "stack") throw new ClaimedError(obstacle);
  if (c === "foreign") throw new NotOursError(obstacle);
}
