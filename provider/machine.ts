/**
 * A machine, written once: the zod schema every kind's `machine` input is checked with, and the
 * types and helpers derived from it (the SSH executor's key, a lab's machines, the CLI's view).
 */
import { z } from "zod";

/** The zod schema of a machine: what every kind's `machine` input is checked with. */
export const machineSchema = z
  .object({
    /** The machine's host name or address, as ssh takes it. */
    host: z.string().min(1, "machine.host names the machine (a name or an address)").refine((h) => !h.startsWith("-"), "machine.host may not start with '-'"),
    /** Its SSH port (default 22). */
    port: z.number().int().min(1).max(65535).optional(),
    /** Who to log in as (default root: netns-lab needs root there). */
    user: z.string().min(1).refine((u) => !u.startsWith("-"), "machine.user may not start with '-'").optional(),
    /** The private key to log in with (absolute path; default the agent and ~/.ssh). */
    privateKeyFile: z.string().startsWith("/", "privateKeyFile must be an absolute path").optional(),
    /** Its host key, pinned ("ssh-ed25519 AAAA…"; default: known_hosts, new hosts accepted). */
    hostKey: z.string().regex(/^(ssh-|ecdsa-)\S+ [A-Za-z0-9+/=]+\s*$/, 'hostKey is a public key line such as "ssh-ed25519 AAAA…"').optional(),
  })
  .strict();

/** Another machine, reached over SSH as `user` (default root). */
export type Machine = z.output<typeof machineSchema>;
export const MACHINE_KEYS = Object.keys(machineSchema.shape) as Array<keyof Machine>;

/** Just the machine's own fields of something that carries more (a lab's machine, its address). */
export const machineOf = (m: Machine): Machine =>
  Object.fromEntries(MACHINE_KEYS.filter((k) => m[k] !== undefined).map((k) => [k, m[k]])) as Machine;

/** One text per distinct machine (host, port, user, key, host key, defaults filled). */
export const machineKey = (m: Machine): string => JSON.stringify([m.host, m.port ?? 22, m.user ?? "root", m.privateKeyFile ?? "", m.hostKey ?? ""]);
