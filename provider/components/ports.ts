/**
 * Published ports (containerlab's and docker's `ports: ["8080:80"]`): a connection to a port of this
 * machine is carried to a port of the node. As docker's userland proxy (docker-proxy) does it, not
 * by rules in the machine's firewall: a small forwarder (FORWARDER, Python's standard library) runs
 * as a Process of the node, opens its listening sockets in the machine's root namespace (setns to
 * it and back), and connects to the node's address from the node's own namespace. Nothing of it is
 * in the root namespace but its open sockets: it carries the lab's marker, is ended with the node's
 * namespace like any process there, and found by the sweep after a killed run. TCP and UDP (as
 * docker-proxy: a UDP client's datagrams go out of a socket of its own in the node, whose replies go
 * back to it; forgotten after 90 s without traffic); SCTP is refused.
 */

/** One published port: a port of this machine (on an address of it), carried to the node's. */
export interface PublishedPort {
  hostIp: string;
  hostPort: number;
  nodePort: number;
  /** tcp (docker's default) or udp. */
  proto: "tcp" | "udp";
}

/**
 * docker's port syntax: `[ip:]hostPort:nodePort[/tcp]`, ranges of equal length (`8000-8002:80-82`),
 * an IPv6 address in brackets (`[::1]:8080:80`), `/tcp` (the default) or `/udp`. SCTP and a port
 * without a host port (docker picks one) are refused with the reason, as are ports out of range.
 */
export function parsePorts(specs: string[]): PublishedPort[] {
  const out: PublishedPort[] = [];
  for (const spec of specs) {
    const [body, proto = "tcp"] = spec.split("/");
    if (proto !== "tcp" && proto !== "udp") throw new Error(`ports: "${spec}": ${proto} is not published (netns-lab forwards TCP and UDP)`);
    let rest = body;
    let hostIp = "0.0.0.0";
    const v6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(rest);
    if (v6) [hostIp, rest] = [v6[1], v6[2]];
    let parts = rest.split(":");
    if (parts.length === 3 && !v6) {
      hostIp = parts[0];
      parts = parts.slice(1);
    }
    if (parts.length !== 2) throw new Error(`ports: "${spec}" is not [ip:]hostPort:nodePort (docker's form; a port of this machine must be given)`);
    const range = (s: string): [number, number] => {
      const m = /^(\d+)(?:-(\d+))?$/.exec(s);
      const [a, b] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
      if (!(a >= 1 && b <= 65535 && a <= b)) throw new Error(`ports: "${spec}": ${s} is not a port (1-65535) or a range of them`);
      return [a, b];
    };
    const [h0, h1] = range(parts[0]);
    const [n0, n1] = range(parts[1]);
    if (h1 - h0 !== n1 - n0) throw new Error(`ports: "${spec}": the two ranges differ in length`);
    for (let k = 0; k <= h1 - h0; k++) out.push({ hostIp, hostPort: h0 + k, nodePort: n0 + k, proto });
  }
  const seen = new Set<string>();
  for (const p of out) {
    const key = `${p.hostIp}:${p.hostPort}/${p.proto}`;
    if (seen.has(key)) throw new Error(`ports: ${key} is published twice`);
    seen.add(key);
  }
  return out;
}

/**
 * The forwarder: argv[1] the root namespace's file, or "parent": its parent's (the provider, which
 * starts it from the root namespace and outlives its first moments; PID 1's may not be ours to
 * open, in a container), argv[2] JSON [[hostIp,
 * hostPort, nodeIp, nodePort, proto], …]. Listens in the root namespace, then returns to the node's
 * (sockets and threads made after that are in it), and relays each connection (TCP) or each
 * client's datagrams (UDP) to the node's address.
 */
export const FORWARDER = String.raw`import ctypes, json, os, socket, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
def enter(fd):
    if libc.setns(fd, 0x40000000) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
home = os.open("/proc/self/ns/net", os.O_RDONLY)
root = os.open("/proc/%d/ns/net" % os.getppid() if sys.argv[1] == "parent" else sys.argv[1], os.O_RDONLY)
enter(root)
listening = []
for hip, hport, nip, nport, proto in json.loads(sys.argv[2]):
    s = socket.socket(socket.AF_INET6 if ":" in hip else socket.AF_INET, socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((hip, hport))
    if proto != "udp":
        s.listen(128)
    listening.append((s, nip, nport, proto))
    print("forwarding %s:%d/%s to %s:%d" % (hip, hport, proto, nip, nport), flush=True)
enter(home)
os.close(root)
os.close(home)
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for x in (a, b):
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def back(s, u, client, clients, lock):
    try:
        while True:
            d = u.recv(65536)
            s.sendto(d, client)
    except OSError:
        pass
    with lock:
        clients.pop(client, None)
    u.close()
def serve_udp(s, nip, nport):
    clients = {}
    lock = threading.Lock()
    while True:
        d, client = s.recvfrom(65536)
        with lock:
            u = clients.get(client)
            if u is None:
                u = socket.socket(socket.AF_INET6 if ":" in nip else socket.AF_INET, socket.SOCK_DGRAM)
                u.settimeout(90)
                u.connect((nip, nport))
                clients[client] = u
                threading.Thread(target=back, args=(s, u, client, clients, lock), daemon=True).start()
        try:
            u.send(d)
        except OSError as e:
            print("to %s:%d/udp: %s" % (nip, nport, e), flush=True)
def serve(s, nip, nport, proto):
    if proto == "udp":
        return serve_udp(s, nip, nport)
    while True:
        c, _ = s.accept()
        try:
            u = socket.create_connection((nip, nport), timeout=10)
            u.settimeout(None)
        except OSError as e:
            print("to %s:%d: %s" % (nip, nport, e), flush=True)
            c.close()
            continue
        threading.Thread(target=pump, args=(c, u), daemon=True).start()
        threading.Thread(target=pump, args=(u, c), daemon=True).start()
ts = [threading.Thread(target=serve, args=l) for l in listening]
for t in ts:
    t.start()
for t in ts:
    t.join()
`;

/** The forwarder's command line for a node: its ports carried to `nodeIp`. */
export function forwarderCommand(ports: PublishedPort[], nodeIp: string, rootNetns = "parent"): string[] {
  return ["python3", "-c", FORWARDER, rootNetns, JSON.stringify(ports.map((p) => [p.hostIp, p.hostPort, nodeIp, p.nodePort, p.proto]))];
}
