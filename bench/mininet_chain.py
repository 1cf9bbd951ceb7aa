#!/usr/bin/python3
"""The chain lab built with Mininet, for bench/bench.js: h1 - r1 - ... - rN - h2 as Mininet nodes
(no switches, no controller), link i on 10.0.i.0/24, forwarding on routers, a static route on every
router to every subnet it is not on, default routes on the hosts -- the same lab as stacks/chain.ts.

Prints one JSON line: {"build": s, "ping": bool, "teardown": s}. Run as root, with Debian's python3
(the mininet package installs its module there)."""
import json
import sys
import time

from mininet.net import Mininet
from mininet.node import Host
from mininet.log import setLogLevel


def subnet(i):
    return "10.%d.%d" % (i // 256, i % 256)


def main():
    n = int(sys.argv[1])
    setLogLevel("error")
    t0 = time.time()
    net = Mininet(topo=None, controller=None, build=False, autoSetMacs=False, waitConnected=False)
    names = ["h1"] + ["r%d" % i for i in range(1, n + 1)] + ["h2"]
    nodes = [net.addHost(name, cls=Host, ip=None) for name in names]
    for i in range(n + 1):
        a, b = nodes[i], nodes[i + 1]
        net.addLink(a, b, intfName1="%s-%s" % (a.name, b.name), intfName2="%s-%s" % (b.name, a.name))
    net.build()
    for i in range(n + 1):
        a, b = nodes[i], nodes[i + 1]
        a.cmd("ip addr add %s.1/24 dev %s-%s" % (subnet(i), a.name, b.name))
        b.cmd("ip addr add %s.2/24 dev %s-%s" % (subnet(i), b.name, a.name))
    nodes[0].cmd("ip route add default via %s.2" % subnet(0))
    nodes[n + 1].cmd("ip route add default via %s.1" % subnet(n))
    for r in range(1, n + 1):
        node = nodes[r]
        node.cmd("sysctl -q -w net.ipv4.ip_forward=1")
        for j in range(n + 1):
            if j < r - 1:
                node.cmd("ip route add %s.0/24 via %s.1" % (subnet(j), subnet(r - 1)))
            elif j > r:
                node.cmd("ip route add %s.0/24 via %s.2" % (subnet(j), subnet(r)))
    t1 = time.time()
    out = nodes[0].cmd("ping -c 1 -W 2 %s.2" % subnet(n))
    ok = " 0% packet loss" in out
    t2 = time.time()
    net.stop()
    t3 = time.time()
    print(json.dumps({"build": t1 - t0, "ping": ok, "teardown": t3 - t2}))


if __name__ == "__main__":
    main()
