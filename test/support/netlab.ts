/** netlab topologies of our own (netlab's format) that more than one suite runs. */

/**
 * An OSPF triangle of FRR routers, a Linux host on r1 and one on r3, with validate tests (r2's two
 * adjacencies Full, h1 pings h2). `r1r2` and `r3r1` are those links' entries (an edit changes them).
 */
export const ospfTriangle = (name: string, r1r2 = "- r1-r2", r3r1 = "- r3-r1"): string => `# OSPF triangle, two hosts (netns-lab's own test topology)
name: ${name}
defaults.device: frr
module: [ ospf ]
nodes:
  r1:
  r2:
  r3:
  h1:
    device: linux
  h2:
    device: linux
links:
${r1r2}
- r2-r3
${r3r1}
- h1-r1
- h2-r3
validate:
  adj:
    description: r2 has two OSPF neighbours in state Full
    wait: 60
    nodes: [ r2 ]
    show:
      frr: ip ospf neighbor json
    valid:
      frr: len([s for n in neighbors.values() for s in n if 'Full' in (s.get('nbrState') or s.get('state') or '')]) == 2
  ping:
    description: h1 reaches h2 across the routers
    wait: 60
    nodes: [ h1 ]
    plugin: ping('h2')
`;

