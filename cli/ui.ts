/**
 * `netns-lab ui`: the lab live in a browser. A small HTTP server (Node's own http module: a JSON API
 * of four routes and three static files need no framework) on 127.0.0.1 by default, every request
 * carrying the token printed with the URL (as Jupyter's). The page (ui/: plain JavaScript and SVG,
 * no library, no CDN) draws the lab where Graphviz (the WebAssembly build `graph --format svg`
 * uses) places it, and asks for the live state every second:
 *
 *   GET /                 the page (with ?token=…: a cookie for the rest, this port's own)
 *   GET /app.js, /ui.css  its code and style, shipped in the package
 *   GET /api/lab          the lab's description and layout (read from the stack again on each call)
 *   GET /api/live         per cable up/down and rates, per node processes alive or dead and routing
 *                         neighbours, drift (what `status` marks; read every few seconds)
 *   GET /api/node/NAME    a node's addresses, routes, processes and the tail of their logs
 *   GET /api/preview      the program's next change (pulumi preview), by node and cable
 *
 * With --exec (opt-in), acting in the lab from the page:
 *   WS  /api/terminal/NODE  a terminal in the node (xterm.js on the page; the same command as
 *                           `netns-lab exec NODE`, on a pseudo-terminal of its own: PTY_HELPER)
 *   GET /api/capture/NODE/IFACE?seconds=N  a pcap of N seconds (at most 60) of tcpdump in the node
 *
 * Without --exec it reads; it changes nothing in the lab. It serves nothing but the lab's own data
 * (and xterm.js's two files, shipped with the package).
 */
import { ChildProcess, execFile, spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import type { AddressInfo, Socket } from "net";
import { WebSocketServer } from "ws";
import type { LabDescription } from "../provider/components/description";
import { local } from "../provider/kernel/exec";
import * as addr from "../provider/kernel/addr";
import { ipJson } from "../provider/kernel/ip";
import * as netns from "../provider/kernel/netns";
import * as proc from "../provider/kernel/proc";
import { ensureHolder, sandboxWanted, subordinateIdsAdvice } from "../provider/kernel/sandbox";
import { Options, PKG } from "./args";
import { dot } from "./graph";
import { pool } from "./pool";
import { deployedLab, previewChange, stackResources, StateResource } from "./stack";
import { Drift, drifts } from "./status";
import { inNode } from "./there";
import { nodeExecutor } from "./verify";
import {
  bgpPeers, birdProtocols, cables, hostAllowed, IpLinkStats, Neighbours, newToken, ospfNeighbours, positionsOf, previewMarks, rates, Reading, readingOf, tokenMatches, tokenOf,
} from "./ui-live";

type Node = LabDescription["nodes"][number];

export interface UiOptions {
  /** 0: any free port. */
  port: number;
  /** The address to listen on (127.0.0.1 unless --listen). */
  listen: string;
  /** --exec: a terminal in a node and captures, from the page. */
  exec?: boolean;
}

/**
 * A pseudo-terminal for a command given as an argument array (no shell): Python's pty module (Node
 * has none; node-pty is a native build). Its stdin goes to the terminal, the terminal to its
 * stdout; "ROWS COLS" lines on fd 3 resize it. Its stdin closed (the page or the server gone): the
 * terminal is hung up (SIGHUP to what runs on it). Exits with the command's status.
 */
const PTY_HELPER = String.raw`import fcntl, os, pty, select, signal, struct, sys, termios
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        sys.stderr.write("%s: %s\r\n" % (argv[0], e.strerror))
        os._exit(127)
fds, buf = [0, fd, 3], b""
while True:
    r = select.select(fds, [], [])[0]
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if not data:
            break
        os.write(1, data)
    if 0 in r:
        data = os.read(0, 65536)
        if not data:
            break
        os.write(fd, data)
    if 3 in r:
        data = os.read(3, 4096)
        if not data:
            fds.remove(3)
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            rows, cols = (int(x) for x in line.split())
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
os.close(fd)
try:
    os.kill(pid, signal.SIGHUP)
except ProcessLookupError:
    pass
code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
sys.exit(code if code >= 0 else 128 - code)
`;

/** The argv running `command` on a pseudo-terminal of its own (PTY_HELPER). */
export const ptyArgv = (command: [string, string[]]): string[] => ["python3", "-c", PTY_HELPER, command[0], ...command[1]];

/** An interface name as the kernel allows it (1-15 characters, no slash or space), else undefined. */
export const interfaceName = (s: string): string | undefined => (/^[^/\s:]{1,15}$/.test(s) && s !== "." && s !== ".." ? s : undefined);

const ASSETS: Record<string, [string, string]> = {
  "/": ["ui/index.html", "text/html; charset=utf-8"],
  "/app.js": ["ui/app.js", "text/javascript; charset=utf-8"],
  "/ui.css": ["ui/ui.css", "text/css; charset=utf-8"],
  "/xterm/xterm.js": ["@xterm/xterm/lib/xterm.js", "text/javascript; charset=utf-8"],
  "/xterm/xterm.css": ["@xterm/xterm/css/xterm.css", "text/css; charset=utf-8"],
};

/** Where an asset is: the page's in the package, xterm.js's where Node finds the package. */
const assetPath = (f: string): string => (f.startsWith("ui/") ? path.join(PKG, f) : require.resolve(f));

/** The lab and its resources as the stack has them now. */
interface Loaded {
  lab: LabDescription;
  resources: StateResource[];
  layout: Record<string, [number, number]>;
  /** A hash of the lab's description: the page draws anew when it changes (an up changed the lab). */
  key: string;
  at: number;
}

/** Runs a command, its stdout, or undefined when it fails or takes more than 3 s. */
const output = (file: string, args: string[]): Promise<string | undefined> =>
  new Promise((resolve) => execFile(file, args, { timeout: 3000, maxBuffer: 1 << 24 }, (e, out) => resolve(e ? undefined : out)));

/** Routing neighbours of a node that runs FRR (vtysh, in its pathspace or its own filesystem) or BIRD (birdc on its socket). */
async function neighboursOf(n: Node): Promise<Neighbours | undefined> {
  const cmds = (n.processes ?? []).map((p) => p.command);
  const zebra = cmds.find((c) => /\/zebra$/.test(c[0] ?? ""));
  const out: Neighbours = {};
  if (zebra) {
    const ps = zebra.includes("-N") ? ["-N", zebra[zebra.indexOf("-N") + 1]] : [];
    const ask = async (what: string) => {
      const text = await output(...inNode(n, ["vtysh", ...ps, "-c", what]));
      try {
        return text ? JSON.parse(text) : undefined;
      } catch {
        return undefined;
      }
    };
    const [ospf, bgp] = await Promise.all([ask("show ip ospf neighbor json"), ask("show bgp summary json")]);
    if (ospf) {
      const o = ospfNeighbours(ospf);
      if (o.total) out.ospf = o;
    }
    if (bgp) {
      const b = bgpPeers(bgp);
      if (b.total) out.bgp = b;
    }
  }
  const bird = cmds.find((c) => /(^|\/)bird$/.test(c[0] ?? ""));
  if (bird) {
    const s = bird.includes("-s") ? ["-s", bird[bird.indexOf("-s") + 1]] : [];
    const text = await output(...inNode(n, ["birdc", ...s, "show", "protocols"]));
    if (text) Object.assign(out, birdProtocols(text));
  }
  return Object.keys(out).length ? out : undefined;
}

/** The server: its URL (with the token) and how to stop it. */
export async function serveUi(o: Options, u: UiOptions, log: (line: string) => void = () => undefined): Promise<{ url: string; port: number; token: string; close(): Promise<void> }> {
  const token = newToken();
  let loaded: Loaded | undefined;
  const load = async (): Promise<Loaded> => {
    const [lab, resources] = await Promise.all([deployedLab(o), stackResources(o)]);
    const viz = await (require("@viz-js/viz") as { instance(): Promise<{ renderJSON(src: string): { bb?: string; objects?: Array<{ name: string; pos?: string }> } }> }).instance();
    const key = createHash("sha256").update(JSON.stringify(lab)).digest("hex").slice(0, 16);
    loaded = { lab, resources, layout: positionsOf(viz.renderJSON(dot(lab))), key, at: Date.now() };
    return loaded;
  };
  await load(); // a stack that is not up fails here, before the URL is printed

  // The live state: readings of every node's interfaces each time the page asks (at most one at a
  // time; a second asker shares it), drift and neighbours every 5 s in the background of those.
  let prev: { t: number; reading: Reading } | undefined;
  let readings: Promise<unknown> = Promise.resolve();
  let slow: { t: number; drift: Drift[]; neighbours: Record<string, Neighbours> } = { t: 0, drift: [], neighbours: {} };
  let slowRunning = false;
  const refreshSlow = (l: Loaded) => {
    if (slowRunning || Date.now() - slow.t < 5000) return;
    slowRunning = true;
    (async () => {
      // The stack again every 10 s: an up since (a process started anew, a cable added) is seen
      // without a reload of the page (a changed lab: the page asks for it again, by its key).
      if (Date.now() - l.at > 10_000) l = await load().catch(() => l);
      const [drift, nb] = await Promise.all([
        drifts(l.resources).catch(() => [] as Drift[]),
        pool(l.lab.nodes.map((n) => async () => [n.name, await neighboursOf(n).catch(() => undefined)] as const), 8),
      ]);
      slow = { t: Date.now(), drift, neighbours: Object.fromEntries(nb.filter(([, v]) => v)) as Record<string, Neighbours> };
    })().finally(() => (slowRunning = false));
  };
  const live = async () => {
    const l = loaded ?? (await load());
    const reading: Reading = {};
    await pool(
      l.lab.nodes.map((n) => async () => {
        const x = nodeExecutor(n, local);
        if (!(await netns.exists(x, n.namespace))) return void (reading[n.name] = null);
        reading[n.name] = readingOf(await ipJson<IpLinkStats[]>(x, n.namespace, ["-s", "link", "show"]).catch(() => []));
      }),
      8,
    );
    const now = { t: Date.now(), reading };
    const rate = rates(prev, now);
    prev = now;
    const processes: Record<string, Array<{ name: string; running: boolean; pid?: number }>> = {};
    await pool(
      l.lab.nodes.map((n) => async () => {
        const x = nodeExecutor(n, local);
        processes[n.name] = await Promise.all(
          (n.processes ?? []).map(async (p) => {
            const r = l.resources.find((y) => y.kind === "Process" && y.name === p.resource);
            const out = r?.outputs ?? {};
            const running = !!(out.pid && out.startTime && (await proc.alive(x, out.pid, out.startTime, out.owner).catch(() => false)));
            return { name: p.name, running, ...(running ? { pid: out.pid as number } : {}) };
          }),
        );
      }),
      8,
    );
    refreshSlow(l);
    return {
      t: now.t,
      labKey: l.key,
      cables: cables(l.lab, reading, rate),
      nodes: Object.fromEntries(
        l.lab.nodes.map((n) => [
          n.name,
          {
            missing: reading[n.name] === null,
            interfaces: reading[n.name] ?? {},
            rates: rate[n.name] ?? {},
            processes: processes[n.name] ?? [],
            ...(slow.neighbours[n.name] ? { neighbours: slow.neighbours[n.name] } : {}),
            drift: slow.drift.filter((d) => d.namespace === n.namespace).map((d) => `${d.kind} ${d.resource}: ${d.what}`),
          },
        ]),
      ),
      drift: slow.drift.map((d) => `${d.kind} ${d.resource}: ${d.what}`),
      driftAt: slow.t,
    };
  };
  const nodeDetail = async (name: string) => {
    const l = loaded ?? (await load());
    const n = l.lab.nodes.find((y) => y.name === name);
    if (!n) return undefined;
    const x = nodeExecutor(n, local);
    if (!(await netns.exists(x, n.namespace))) return { name, namespace: n.namespace, missing: true };
    const [addrs, routes4, routes6] = await Promise.all([
      addr.list(x, n.namespace),
      ipJson<Array<Record<string, unknown>>>(x, n.namespace, ["route", "show"]).catch(() => []),
      ipJson<Array<Record<string, unknown>>>(x, n.namespace, ["-6", "route", "show"]).catch(() => []),
    ]);
    const processes = await Promise.all(
      (n.processes ?? []).map(async (p) => {
        const r = l.resources.find((y) => y.kind === "Process" && y.name === p.resource);
        const text = r?.outputs.logFile ? await x.readFile(r.outputs.logFile).catch(() => undefined) : undefined;
        return { name: p.name, command: p.command, log: text === undefined ? undefined : text.split("\n").slice(-21).join("\n") };
      }),
    );
    const route = (r: Record<string, unknown>) => [r.dst, r.gateway ? `via ${r.gateway}` : "", r.dev ? `dev ${r.dev}` : "", r.protocol ? `proto ${r.protocol}` : ""].filter(Boolean).join(" ");
    return {
      name,
      role: n.role,
      namespace: n.namespace,
      machine: n.machine?.name,
      addresses: addrs.filter((a) => a.scope !== "link" && !(a.device === "lo" && a.scope === "host")).map((a) => `${a.device} ${a.cidr}`),
      routes: [...routes4, ...routes6.filter((r) => r.dst !== "fe80::/64" && !String(r.dst).startsWith("ff00::"))].map(route),
      processes,
      nat: n.nat ?? [],
      interfaces: n.interfaces.map((i) => i.name),
    };
  };

  const cookieName = () => `netns-lab-ui-${port}`;
  const listenWide = u.listen !== "127.0.0.1" && u.listen !== "localhost" && u.listen !== "::1";
  const send = (res: http.ServerResponse, code: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(code, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", ...headers });
    res.end(body);
  };
  const json = (res: http.ServerResponse, v: unknown) => send(res, 200, "application/json", JSON.stringify(v));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!hostAllowed(req.headers.host, port, listenWide)) return send(res, 403, "text/plain", "forbidden: this server answers on its loopback address only (--listen to widen it)\n");
    const given = tokenOf(url, req.headers, cookieName());
    if (!tokenMatches(given, token)) return send(res, 403, "text/plain", "forbidden: open the URL netns-lab ui printed (with its token)\n");
    if (req.method !== "GET") return send(res, 405, "text/plain", "GET only\n");
    const asset = ASSETS[url.pathname];
    if (asset) {
      // xterm.js adds <style> elements of its own: styles inline allowed, scripts only this server's.
      const headers: Record<string, string> = { "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'" };
      if (url.pathname === "/") headers["set-cookie"] = `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      return send(res, 200, asset[1], fs.readFileSync(assetPath(asset[0])), headers);
    }
    const route = async () => {
      if (url.pathname === "/api/lab") {
        const l = await load();
        return json(res, { stack: o.stack ?? null, project: path.basename(o.cwd), lab: l.lab, layout: l.layout, exec: !!u.exec, labKey: l.key });
      }
      if (url.pathname === "/api/live") {
        // One reading at a time: each asker's reading starts once the one before it has ended (a chain, not a flag two waiters could both pass).
        const p = readings.then(() => live());
        readings = p.catch(() => undefined);
        return json(res, await p);
      }
      if (url.pathname === "/api/preview") {
        // The program's next change (pulumi preview: it runs the program, and changes nothing), on the picture.
        const l = loaded ?? (await load());
        const p = await previewChange(o);
        return json(res, { counts: p.counts, ...previewMarks(l.lab, p.steps) });
      }
      const c = /^\/api\/capture\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (c) return capture(res, decodeURIComponent(c[1]), decodeURIComponent(c[2]), url.searchParams.get("seconds"));
      const m = /^\/api\/node\/([^/]+)$/.exec(url.pathname);
      if (m) {
        const d = await nodeDetail(decodeURIComponent(m[1]));
        return d ? json(res, d) : send(res, 404, "text/plain", "no such node\n");
      }
      send(res, 404, "text/plain", "not found\n");
    };
    route().catch((e) => {
      log(`netns-lab ui: ${url.pathname}: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, "text/plain", `${(e as Error).message}\n`);
    });
  });
  // --exec: a pcap of a node's interface for N seconds (tcpdump in the node, as netns-lab capture).
  const running = new Set<ChildProcess>();
  const capture = async (res: http.ServerResponse, name: string, iface: string, secs: string | null) => {
    if (!u.exec) return send(res, 403, "text/plain", "captures from the page need netns-lab ui --exec\n");
    const l = loaded ?? (await load());
    const n = l.lab.nodes.find((y) => y.name === name);
    if (!n) return send(res, 404, "text/plain", "no such node\n");
    const dev = interfaceName(iface);
    if (!dev) return send(res, 400, "text/plain", `${iface}: not an interface name\n`);
    const seconds = Number(secs ?? "10");
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60) return send(res, 400, "text/plain", "seconds: 1 to 60\n");
    if (!n.machine && sandboxWanted() && ensureHolder().ids === "own") return send(res, 409, "text/plain", `${subordinateIdsAdvice("capture (tcpdump switches to its own user)")}\n`);
    // -U: each packet reaches the pcap as it is captured; SIGINT at the end: tcpdump closes it.
    const [file, args] = inNode(n, ["tcpdump", "-i", dev, "-U", "-w", "-"]);
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    child.on("error", (e) => {
      running.delete(child);
      clearTimeout(timer);
      if (!res.headersSent) send(res, 500, "text/plain", `could not run tcpdump (${file}): ${e.message}\n`);
    });
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    let started = false;
    child.stdout!.on("data", (d: Buffer) => {
      if (!started) {
        started = true;
        res.writeHead(200, { "content-type": "application/vnd.tcpdump.pcap", "content-disposition": `attachment; filename="${name}-${dev}.pcap"`, "cache-control": "no-store" });
      }
      res.write(d);
    });
    const timer = setTimeout(() => child.kill("SIGINT"), seconds * 1000);
    res.on("close", () => child.exitCode === null && child.kill("SIGINT"));
    child.on("close", (code) => {
      clearTimeout(timer);
      running.delete(child);
      if (started) res.end();
      else send(res, 500, "text/plain", `tcpdump in ${name} exited ${code}: ${err.trim()}\n`);
    });
  };

  // --exec: a terminal in a node over a WebSocket (xterm.js on the page). The upgrade is checked as
  // every request is (Host, token), and its Origin must be this server's own.
  const wss = new WebSocketServer({ noServer: true });
  const refuse = (socket: Socket, code: number, why: string) => {
    socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${why}\n`);
  };
  const terminal = (ws: import("ws").WebSocket, n: Node) => {
    // The same command as `netns-lab exec NODE` (a shell in the node), on a terminal of its own.
    const [file, ...args] = ptyArgv(inNode(n, [process.env.SHELL || "/bin/bash"], true));
    const child = spawn(file, args, {
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      env: { ...process.env, TERM: "xterm-256color" },
    });
    running.add(child);
    child.on("error", (e) => {
      running.delete(child);
      ws.send(Buffer.from(`could not start the terminal (${file}): ${e.message}\r\n`));
      ws.close(1011, "no terminal");
    });
    const control = child.stdio[3] as import("stream").Writable;
    child.stdout!.on("data", (d: Buffer) => ws.send(d));
    child.stderr!.on("data", (d: Buffer) => ws.send(d));
    ws.on("message", (m) => {
      try {
        const msg = JSON.parse(m.toString()) as { i?: string; r?: [number, number] };
        if (typeof msg.i === "string") child.stdin!.write(msg.i);
        const [rows, cols] = msg.r ?? [0, 0];
        if (Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0 && rows < 1000 && cols < 1000) control.write(`${rows} ${cols}\n`);
      } catch {
        /* not ours: ignored */
      }
    });
    ws.on("close", () => child.stdin!.end()); // the terminal hung up
    child.on("close", (code) => {
      running.delete(child);
      ws.close(1000, `exited ${code}`);
    });
  };

  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("upgrade", (req, socket: Socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!hostAllowed(req.headers.host, port, listenWide)) return refuse(socket, 403, "forbidden: this server answers on its loopback address only");
    if (!tokenMatches(tokenOf(url, req.headers, cookieName()), token)) return refuse(socket, 403, "forbidden: no token");
    if (req.headers.origin !== `http://${req.headers.host}`) return refuse(socket, 403, "forbidden: a page of another origin");
    if (!u.exec) return refuse(socket, 403, "a terminal from the page needs netns-lab ui --exec");
    const m = /^\/api\/terminal\/([^/]+)$/.exec(url.pathname);
    const n = m && loaded?.lab.nodes.find((y) => y.name === decodeURIComponent(m[1]));
    if (!n) return refuse(socket, 404, "no such node");
    wss.handleUpgrade(req, socket, head, (ws) => terminal(ws, n));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(u.port, u.listen, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = u.listen.includes(":") ? `[${u.listen}]` : u.listen;
  return {
    url: `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        // Terminals hung up and captures ended with the server.
        for (const c of running) c.kill("SIGHUP");
        for (const c of wss.clients) c.terminate();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
