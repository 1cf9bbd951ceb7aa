/**
 * The OSPF lab: a ring of four routers running BIRD 2 (Debian's bird2), no static route between
 * routers: OSPF finds them. A host hangs off r1 and another off r3.
 *
 *        h1                     link ri-rj on 10.1.<i><j>.0/24, router IDs 10.255.0.<i>
 *        |
 *   r4 - r1 - r2                h1 on 10.0.1.0/24, h2 on 10.0.3.0/24
 *    |         |
 *    +-- r3 ---+
 *        |
 *        h2
 *
 * Config `netns-lab:down`: ring links to set down, e.g. ["r1-r2"]: OSPF reroutes the other way.
 */
import { Lab, LabNode, LabOptions, Router } from "netns-lab";

/** BIRD's configuration for router i: OSPF on its ring links, its host link and loopback passive. */
export function birdConf(i: number, socketDir: string): string {
  void socketDir;
  return `# written by netns-lab for r${i}
log stderr all;
router id 10.255.0.${i};
protocol device { scan time 2; }
protocol direct { ipv4; interface "*"; }
protocol kernel { ipv4 { export where source = RTS_OSPF; }; }
protocol ospf v2 {
  ipv4 { import all; export none; };
  area 0 {
    interface "r*-r*" { type ptp; hello 1; dead 4; };
    interface "r*-h*", "lo" { stub yes; };
  };
}
`;
}

export function ospf(options: LabOptions & { down?: string[]; runDir: string; isolate?: Array<"pid" | "ipc" | "mount"> }) {
  const { down: _down, runDir: _runDir, isolate: _isolate, ...labOptions } = options;
  const lab = new Lab("ospf", labOptions);
  const routers: Router[] = [1, 2, 3, 4].map((i) => lab.router(`r${i}`));
  const h1 = lab.host("h1");
  const h2 = lab.host("h2");
  const down = new Set(options.down ?? []);
  for (let i = 1; i <= 4; i++) {
    const j = (i % 4) + 1;
    const [a, b] = i < j ? [i, j] : [j, i];
    const name = `r${a}-r${b}`;
    lab.link(routers[a - 1], routers[b - 1], { addresses: [`10.1.${a}${b}.1/24`, `10.1.${a}${b}.2/24`], up: !down.has(name) });
  }
  // (verify leaves out the addresses of a link set down: they are nobody's destination meanwhile.)
  for (const name of down) {
    if (!/^r(1-r2|2-r3|3-r4|1-r4)$/.test(name)) throw new Error(`netns-lab:down: "${name}" is not a ring link (r1-r2, r2-r3, r3-r4, r1-r4)`);
  }
  const edge = (h: LabNode, r: Router, n: number) => {
    lab.link(r, h, { addresses: [`10.0.${n}.1/24`, `10.0.${n}.2/24`] });
    h.routes([{ destination: "default", via: `10.0.${n}.1` }]);
  };
  edge(h1, routers[0], 1);
  edge(h2, routers[2], 3);
  routers.forEach((r, n) => {
    const i = n + 1;
    r.loopback(`10.255.0.${i}/32`);
    const conf = `${options.runDir}/bird-r${i}.conf`;
    // Its control socket in a run directory of its own, made and removed with it: a BIRD that was
    // killed (not stopped) leaves its socket behind, which its delete then removes too.
    const own = `${options.runDir}/r${i}`;
    r.run("bird", ["bird", "-f", "-c", conf, "-s", `${own}/bird.ctl`], {
      files: { [conf]: birdConf(i, options.runDir) },
      runDir: own,
      hostname: true,
      // Each BIRD as PID 1 of its own PID namespace (own IPC and mount namespaces too) unless told otherwise.
      ...(options.isolate?.length ? { isolate: options.isolate } : {}),
    });
  });
  return { lab, from: h1, to: "10.0.3.2" };
}
