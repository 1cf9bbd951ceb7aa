// netns-lab ui: the page. Plain JavaScript and SVG (no library, nothing fetched but this server's
// own /api): the lab as /api/lab describes and places it, its live state from /api/live each second.
"use strict";
(() => {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.getElementById("lab");
  const panel = document.getElementById("panel");
  const statusEl = document.getElementById("status");
  const driftEl = document.getElementById("drift");
  const SCALE = 1.7;
  const MARGIN = 70;
  let lab;
  let key;
  let pos = {};
  let selected;
  let exec = false;
  let term;
  const nodeEls = {};
  const cableEls = {};

  const el = (name, attrs = {}, parent) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  };
  const text = (parent, x, y, s, cls) => {
    const t = el("text", { x, y, class: cls || "" }, parent);
    t.textContent = s;
    return t;
  };
  const get = async (url) => {
    const r = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.text()).trim()}`);
    return r.json();
  };
  const addresses = (i) => i.addresses || (i.address ? [i.address] : []);
  const rateText = (bits) => {
    for (const [n, u] of [[1e9, "Gb/s"], [1e6, "Mb/s"], [1e3, "kb/s"]]) if (bits >= n) return `${(bits / n).toPrecision(3)} ${u}`;
    return `${Math.round(bits)} b/s`;
  };

  // Positions: Graphviz's, unless the user moved the node (remembered per project, stack and lab).
  const save = () => localStorage.setItem(key, JSON.stringify(pos));
  const place = (layout) => {
    let saved = {};
    try {
      saved = JSON.parse(localStorage.getItem(key) || "{}");
    } catch {}
    // A lab drawn anew (it changed): its nodes stay where they were; new ones go where Graphviz puts them.
    const before = pos;
    pos = {};
    for (const n of lab.nodes) {
      const g = layout[n.name] || [0, 0];
      pos[n.name] = saved[n.name] || before[n.name] || [MARGIN + g[0] * SCALE, MARGIN + g[1] * SCALE];
    }
  };

  const shape = (g, role) => {
    if (role === "router") return el("circle", { r: 30, class: "shape" }, g);
    if (role === "switch") return el("polygon", { points: "-40,0 -24,-22 24,-22 40,0 24,22 -24,22", class: "shape" }, g);
    return el("rect", { x: -42, y: -22, width: 84, height: 44, rx: 5, class: "shape" }, g);
  };

  // The parallel cables between two nodes are bent apart (a MultiGraph's keys, drawn).
  const bends = () => {
    const seen = {};
    const out = {};
    for (const l of lab.links) {
      const k = [l.ends[0].node, l.ends[1].node].sort().join("\u0000");
      const i = (seen[k] = (seen[k] || 0) + 1) - 1;
      out[l.name] = i === 0 ? 0 : (i % 2 ? 1 : -1) * Math.ceil(i / 2) * 28;
    }
    return out;
  };
  let bend = {};

  const drawCable = (l) => {
    const c = cableEls[l.name];
    const [a, b] = l.ends.map((e) => pos[e.node]);
    if (!a || !b) return;
    const dx = b[0] - a[0], dy = b[1] - a[1];
    const len = Math.hypot(dx, dy) || 1;
    const nx = -dy / len, ny = dx / len;
    const k = bend[l.name];
    const mid = [(a[0] + b[0]) / 2 + nx * k, (a[1] + b[1]) / 2 + ny * k];
    c.path.setAttribute("d", `M${a[0]},${a[1]} Q${mid[0]},${mid[1]} ${b[0]},${b[1]}`);
    const at = (t) => [(1 - t) * (1 - t) * a[0] + 2 * (1 - t) * t * mid[0] + t * t * b[0], (1 - t) * (1 - t) * a[1] + 2 * (1 - t) * t * mid[1] + t * t * b[1]];
    const set = (t, p, dy0) => {
      t.setAttribute("x", p[0]);
      t.setAttribute("y", p[1] + dy0);
    };
    const pa = at(0.22), pb = at(0.78), pm = at(0.5);
    set(c.endA, pa, -4);
    set(c.endA2, pa, 8);
    set(c.endB, pb, -4);
    set(c.endB2, pb, 8);
    set(c.rate, pm, -17);
    set(c.why, pm, 21);
    set(c.pv, pm, 33);
  };

  const draw = () => {
    svg.textContent = "";
    bend = bends();
    const cablesG = el("g", { id: "cables" }, svg);
    const nodesG = el("g", { id: "nodes" }, svg);
    for (const l of lab.links) {
      const g = el("g", { class: "cable", "data-cable": l.name, "data-state": "unknown" }, cablesG);
      const path = el("path", {}, g);
      const title = el("title", {}, g);
      title.textContent = l.name;
      const [ea, eb] = l.ends;
      const c = {
        g,
        path,
        endA: text(g, 0, 0, ea.interface),
        endA2: text(g, 0, 0, addresses(ea).join(" ")),
        endB: text(g, 0, 0, eb.interface),
        endB2: text(g, 0, 0, addresses(eb).join(" ")),
        rate: text(g, 0, 0, "", "rate"),
        why: text(g, 0, 0, "", "why"),
        pv: text(g, 0, 0, "", "pv"),
      };
      for (const t of [c.endA, c.endA2, c.endB, c.endB2, c.rate, c.why, c.pv]) t.setAttribute("text-anchor", "middle");
      cableEls[l.name] = c;
    }
    for (const n of lab.nodes) {
      const g = el("g", { class: "node", "data-node": n.name, "data-role": n.role }, nodesG);
      shape(g, n.role);
      const title = el("title", {}, g);
      title.textContent = `${n.name}: ${n.role}, namespace ${n.namespace}${n.machine ? `, on ${n.machine.name}` : ""}`;
      text(g, 0, -2, n.name, "name");
      const sub = [n.role, n.machine ? `on ${n.machine.name}` : "", (n.nat || []).length ? "NAT" : ""].filter(Boolean).join(" · ");
      text(g, 0, 11, sub, "sub");
      const lo = (n.interfaces || []).filter((i) => i.name === "lo").flatMap(addresses);
      if (lo.length) text(g, 0, 44, `lo ${lo.join(" ")}`, "sub");
      const badge = text(g, 0, -36, "", "bad");
      const pv = text(g, 0, -50, "", "pv");
      const nb = text(g, 0, lo.length ? 57 : 44, "", "nb");
      nodeEls[n.name] = { g, badge, nb, pv };
      drag(g, n.name);
      g.addEventListener("click", (ev) => {
        if (g.dataset.dragged === "true") return;
        ev.stopPropagation();
        open(n.name);
      });
    }
    layoutAll();
  };

  const layoutAll = () => {
    for (const n of lab.nodes) nodeEls[n.name].g.setAttribute("transform", `translate(${pos[n.name][0]},${pos[n.name][1]})`);
    for (const l of lab.links) drawCable(l);
    const xs = Object.values(pos).map((p) => p[0]), ys = Object.values(pos).map((p) => p[1]);
    const w = Math.max(400, ...xs.map((x) => x + MARGIN + 40)), h = Math.max(160, ...ys.map((y) => y + MARGIN + 30));
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  };

  // Dragging a node (pointer events), in the SVG's own coordinates.
  const drag = (g, name) => {
    let start;
    g.addEventListener("pointerdown", (ev) => {
      const m = svg.getScreenCTM().inverse();
      const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m);
      start = { p, at: pos[name].slice(), moved: false };
      g.dataset.dragged = "false";
      g.setPointerCapture(ev.pointerId);
    });
    g.addEventListener("pointermove", (ev) => {
      if (!start) return;
      const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(svg.getScreenCTM().inverse());
      const dx = p.x - start.p.x, dy = p.y - start.p.y;
      if (!start.moved && Math.hypot(dx, dy) < 3) return;
      start.moved = true;
      g.dataset.dragged = "true";
      pos[name] = [start.at[0] + dx, start.at[1] + dy];
      g.setAttribute("transform", `translate(${pos[name][0]},${pos[name][1]})`);
      for (const l of lab.links) if (l.ends.some((e) => e.node === name)) drawCable(l);
    });
    g.addEventListener("pointerup", () => {
      if (start && start.moved) save();
      start = undefined;
    });
  };

  // The live state on the picture.
  const apply = (live) => {
    for (const c of live.cables) {
      const e = cableEls[c.name];
      if (!e) continue;
      e.g.dataset.state = c.state;
      e.why.textContent = c.state === "up" ? "" : c.why || c.state;
      if (c.rates) {
        const [ab, ba] = c.rates;
        const l = lab.links.find((x) => x.name === c.name);
        e.g.dataset.rate0 = ab;
        e.g.dataset.rate1 = ba;
        e.rate.textContent = `${l.ends[0].node}→ ${rateText(ab)} · ← ${rateText(ba)}`;
      }
    }
    for (const [name, n] of Object.entries(live.nodes)) {
      const e = nodeEls[name];
      if (!e) continue;
      const dead = n.processes.filter((p) => !p.running).map((p) => p.name);
      e.g.dataset.missing = String(n.missing);
      e.g.dataset.dead = String(dead.length > 0);
      e.g.dataset.drift = String(n.drift.length > 0);
      e.g.dataset.processes = n.processes.map((p) => `${p.name}:${p.running ? "running" : "dead"}`).join(" ");
      e.badge.textContent = n.missing ? "namespace gone" : dead.length ? `dead: ${dead.join(", ")}` : n.drift.length ? `drift (${n.drift.length})` : "";
      const nb = Object.entries(n.neighbours || {}).map(([proto, v]) => `${proto} ${v.up}/${v.total}`);
      e.nb.textContent = nb.join(" · ");
      e.g.dataset.neighbours = nb.join(" ");
    }
    driftEl.hidden = !live.drift.length;
    driftEl.textContent = live.drift.length ? `${live.drift.length} resource(s) drifted` : "";
    driftEl.title = live.drift.join("\n");
    statusEl.dataset.state = "live";
    statusEl.textContent = `live · ${new Date(live.t).toLocaleTimeString()}`;
  };

  // A node's panel: addresses, routes, processes with their logs' tails; refreshed while open.
  const open = async (name) => {
    selected = name;
    for (const [n, e] of Object.entries(nodeEls)) e.g.classList.toggle("selected", n === name);
    await fillPanel();
  };
  const fillPanel = async () => {
    if (!selected) return;
    const name = selected;
    let d;
    try {
      d = await get(`api/node/${encodeURIComponent(name)}`);
    } catch (e) {
      d = { name, error: e.message };
    }
    if (selected !== name) return;
    panel.hidden = false;
    panel.textContent = "";
    const add = (tag, s, parent = panel) => {
      const x = document.createElement(tag);
      if (s !== undefined) x.textContent = s;
      parent.appendChild(x);
      return x;
    };
    const close = add("button", "×");
    close.className = "close";
    close.title = "close";
    close.addEventListener("click", () => {
      selected = undefined;
      panel.hidden = true;
      for (const e of Object.values(nodeEls)) e.g.classList.remove("selected");
    });
    add("h2", `${d.name}${d.role ? ` (${d.role})` : ""}`);
    panel.dataset.node = d.name;
    if (d.error) return void add("p", d.error);
    add("div", `namespace ${d.namespace}${d.machine ? ` on ${d.machine}` : ""}`);
    if (d.missing) return void add("p", "its namespace is gone");
    if (exec) {
      // --exec: a terminal in the node; a capture of each interface (10 s, downloaded as a pcap).
      const acts = add("div");
      acts.className = "actions";
      const b = add("button", "terminal", acts);
      b.id = "open-terminal";
      b.addEventListener("click", () => openTerminal(d.name));
      for (const i of d.interfaces.filter((x) => x !== "lo")) {
        const a = add("a", `capture ${i} (10 s)`, acts);
        a.href = `api/capture/${encodeURIComponent(d.name)}/${encodeURIComponent(i)}?seconds=10`;
        a.download = `${d.name}-${i}.pcap`;
        a.dataset.capture = i;
      }
    }
    add("h3", "addresses");
    const ul = add("ul");
    ul.id = "addresses";
    for (const a of d.addresses) add("li", a, ul);
    add("h3", "routes");
    const rl = add("ul");
    rl.id = "routes";
    for (const r of d.routes) add("li", r, rl);
    for (const n of d.nat || []) add("div", `NAT ${n.source} out ${n.out} ${n.to ? `to ${n.to}` : "masquerade"}`);
    for (const p of d.processes) {
      add("h3", `process ${p.name}`);
      add("div", p.command.join(" "));
      add("pre", p.log === undefined ? "(no log)" : p.log || "(empty log)");
    }
  };

  // A terminal in a node: xterm.js over a WebSocket to the server, which runs what `netns-lab exec
  // NODE` runs on a terminal of its own. Input and size go as JSON; output comes as bytes.
  const openTerminal = (name) => {
    if (term) term.close();
    const box = document.getElementById("terminal");
    const screen = document.getElementById("terminal-screen");
    box.hidden = false;
    screen.textContent = "";
    document.getElementById("terminal-title").textContent = `terminal: ${name}`;
    box.dataset.node = name;
    const t = new Terminal({ cols: 120, rows: 16, fontSize: 12, convertEol: false, cursorBlink: true });
    t.open(screen);
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${location.pathname.replace(/[^/]*$/, "")}api/terminal/${encodeURIComponent(name)}`);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      ws.send(JSON.stringify({ r: [t.rows, t.cols] }));
      box.dataset.state = "open";
      t.focus();
    };
    ws.onmessage = (ev) => t.write(new Uint8Array(ev.data));
    ws.onclose = (ev) => {
      box.dataset.state = "closed";
      t.write(`\r\n[${ev.reason || "closed"}]\r\n`);
    };
    t.onData((data) => ws.readyState === 1 && ws.send(JSON.stringify({ i: data })));
    term = { close: () => (ws.close(), t.dispose()) };
  };
  document.getElementById("terminal-close").addEventListener("click", () => {
    if (term) term.close();
    term = undefined;
    document.getElementById("terminal").hidden = true;
  });

  // The program's next change on the picture: each node and cable a step touches, marked with its
  // operations; the steps the picture has no place for (what does not exist yet) in the header.
  const previewBtn = document.getElementById("preview");
  const previewOut = document.getElementById("preview-result");
  const clearPreview = () => {
    for (const e of Object.values(nodeEls)) {
      delete e.g.dataset.preview;
      e.pv.textContent = "";
    }
    for (const e of Object.values(cableEls)) {
      delete e.g.dataset.preview;
      e.pv.textContent = "";
    }
    previewOut.hidden = true;
    previewOut.textContent = "";
  };
  previewBtn.addEventListener("click", async () => {
    clearPreview();
    previewBtn.disabled = true;
    previewOut.hidden = false;
    previewOut.dataset.state = "running";
    previewOut.textContent = "previewing… (the program runs)";
    try {
      const p = await get("api/preview");
      for (const [name, ops] of Object.entries(p.nodes)) {
        const e = nodeEls[name];
        if (!e) continue;
        e.g.dataset.preview = ops.join(" ");
        e.pv.textContent = ops.join(", ");
      }
      for (const [name, ops] of Object.entries(p.cables)) {
        const e = cableEls[name];
        if (!e) continue;
        e.g.dataset.preview = ops.join(" ");
        e.pv.textContent = ops.join(", ");
      }
      const counts = Object.entries(p.counts).filter(([op]) => op !== "same").map(([op, n]) => `${n} to ${op}`);
      previewOut.textContent = `next up: ${counts.length ? counts.join(", ") : "no changes"}${p.elsewhere.length ? ` · not on the picture: ${p.elsewhere.join("; ")}` : ""}`;
      previewOut.dataset.state = "done";
    } catch (e) {
      previewOut.textContent = `preview failed: ${e.message}`;
      previewOut.dataset.state = "failed";
    } finally {
      previewBtn.disabled = false;
    }
    const clear = document.createElement("button");
    clear.textContent = "clear";
    clear.addEventListener("click", clearPreview);
    previewOut.appendChild(clear);
  });

  let labKey;
  const tick = async () => {
    try {
      const live = await get("api/live");
      // The lab changed since it was drawn (an up in between): drawn anew, the user's positions kept.
      if (live.labKey && labKey && live.labKey !== labKey) await loadLab();
      apply(live);
    } catch (e) {
      statusEl.dataset.state = "lost";
      statusEl.textContent = `no contact: ${e.message}`;
    }
    setTimeout(tick, 1000);
  };
  const panelTick = async () => {
    await fillPanel().catch(() => undefined);
    setTimeout(panelTick, 2000);
  };

  const loadLab = async () => {
    const r = await get("api/lab");
    lab = r.lab;
    labKey = r.labKey;
    exec = !!r.exec;
    key = `netns-lab-ui:${r.project}/${r.stack || "(selected)"}/${lab.name}`;
    document.title = `${lab.name} · netns-lab`;
    document.getElementById("title").textContent = `${lab.name}${r.stack ? ` (stack ${r.stack})` : ""}`;
    for (const k of Object.keys(nodeEls)) delete nodeEls[k];
    for (const k of Object.keys(cableEls)) delete cableEls[k];
    place(r.layout);
    draw();
    document.body.dataset.labKey = labKey;
  };
  (async () => {
    // The token came in the URL; the server set this port's cookie with the page: drop it from the address bar.
    if (location.search.includes("token=")) history.replaceState(null, "", location.pathname);
    await loadLab();
    document.body.dataset.ready = "true";
    tick();
    setTimeout(panelTick, 2000);
  })().catch((e) => {
    statusEl.dataset.state = "lost";
    statusEl.textContent = e.message;
  });
})();
