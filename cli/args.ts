/** Command-line arguments of bin/netns-lab, through node's util.parseArgs. */
import * as fs from "fs";
import * as path from "path";
import { parseArgs as nodeParseArgs } from "util";

export class UsageError extends Error {}

/** This netns-lab checkout (the CLI runs from dist/cli/). */
export const PKG = path.resolve(__dirname, "..", "..");

export interface Options {
  stack?: string;
  /** sweep: the Pulumi project (default: the name in the project directory's Pulumi.yaml). */
  project?: string;
  /** verify: check this many node pairs picked at random (and the first with the last), not all. */
  sample?: number;
  /** The Pulumi project directory. */
  cwd: string;
  /** Whether --cwd was given (init writes in the current directory otherwise). */
  cwdGiven?: boolean;
  /** Positional arguments; after `--`, the command to run, untouched. */
  rest: string[];
  format: string;
  preview: boolean;
  help: boolean;
  expect: string[];
  /** verify: retry for up to this many seconds until all is as expected (routing protocols converging). */
  wait: number;
  /** capture: write a pcap file instead of printing packets. */
  write?: string;
  /** exec: enter all the namespaces of this process of the node, not only the node's network namespace. */
  process?: string;
  /** sandbox stop: even while it holds namespaces. */
  force: boolean;
  /** render: vars files of a containerlab topology, in order (each may be a comma-separated list, as containerlab's). */
  vars: string[];
  /** ui: the port (0: any free one). */
  port: number;
  /** ui: the address to listen on (default 127.0.0.1). */
  listen: string;
  /** ui: a terminal in a node and captures, from the page. */
  exec: boolean;
}

const spec = {
  stack: { type: "string" },
  project: { type: "string" },
  sample: { type: "string" },
  cwd: { type: "string" },
  format: { type: "string", default: "mermaid" },
  preview: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  expect: { type: "string", multiple: true, default: [] as string[] },
  wait: { type: "string", default: "0" },
  write: { type: "string", short: "w" },
  process: { type: "string" },
  force: { type: "boolean", default: false },
  vars: { type: "string", multiple: true, default: [] as string[] },
  port: { type: "string", default: "0" },
  listen: { type: "string", default: "127.0.0.1" },
  exec: { type: "boolean", default: false },
} as const;

/** Options anywhere before `--`; everything after it belongs to the command being run. */
export function parseArgs(argv: string[]): Options {
  const dash = argv.indexOf("--");
  const mine = dash < 0 ? argv : argv.slice(0, dash);
  let parsed;
  try {
    parsed = nodeParseArgs({ args: mine, options: spec, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message;
    const missing = /Option '(--\w+)[^']*' argument missing/.exec(msg);
    throw new UsageError(missing ? `${missing[1]} needs a value` : msg.split(". To specify")[0]);
  }
  const v = parsed.values;
  const cwd = v.cwd ?? (fs.existsSync("Pulumi.yaml") ? process.cwd() : PKG);
  return {
    stack: v.stack,
    project: v.project,
    sample: v.sample === undefined ? undefined : count(v.sample),
    cwd: path.resolve(cwd),
    cwdGiven: v.cwd !== undefined,
    rest: [...parsed.positionals, ...(dash < 0 ? [] : ["--", ...argv.slice(dash + 1)])],
    format: v.format!,
    preview: v.preview!,
    help: v.help!,
    expect: v.expect as string[],
    wait: seconds(v.wait!),
    write: v.write,
    process: v.process,
    force: v.force!,
    vars: (v.vars as string[]).flatMap((x) => x.split(",")),
    port: portOf(v.port!),
    listen: v.listen!,
    exec: v.exec!,
  };
}

function count(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--sample takes a number of pairs (got "${s}")`);
  return n;
}

function seconds(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--wait takes seconds (got "${s}")`);
  return n;
}

function portOf(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port takes a port number, 0 for any free one (got "${s}")`);
  return n;
}
