// KubeLab UI: three views over the lab's JSON (/api/topology, /api/trace, /api/rules), drawn as SVG by hand.
// No libraries, nothing fetched from anywhere but this server.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const state = { topology: null, view: null, trace: null, branch: 0, steps: [], step: -1, timer: null, rules: null, chain: null, rulesTimer: null };

// ---------- small helpers ----------

function el(name, attrs = {}, ...children) {
  const node = name.startsWith("svg:") ? document.createElementNS(SVG, name.slice(4)) : document.createElement(name);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const svgText = (x, y, text, cls) => el("svg:text", { x, y, class: cls, text });
const svgTitle = text => el("svg:title", { text });

function status(text, error = false) {
  const line = document.getElementById("status");
  line.textContent = text;
  line.classList.toggle("error", error);
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `${url}: HTTP ${response.status}`);
  return body;
}

/** 0.3333333333 → "1/3": the statistic rules' probabilities are 1/n, 1/(n-1), …; their products are simple fractions. */
function fraction(p) {
  if (p >= 0.999999) return "1";
  for (let d = 2; d <= 64; d++) {
    const n = Math.round(p * d);
    if (n > 0 && Math.abs(p - n / d) < 1e-6) return `${n}/${d}`;
  }
  return p.toFixed(4);
}

const podKey = pod => `${pod.namespace}/${pod.name}`;

// ---------- the topology drawing (shared by Topology and Trace) ----------

const L = { margin: 20, nodeWidth: 340, gap: 70, bridgeY: 16, bridgeH: 46, nodeY: 190, row: 44, podH: 46, podGap: 10, svcWidth: 330 };

/** Draws the topology into an <svg>; returns it with `positions` (key → box) for the trace's packet. */
function drawTopology(topo, prefix = "t") {
  const nodes = topo.nodes;
  const maxPods = Math.max(0, ...nodes.map(n => n.pods.length));
  const nodeH = 40 + 2 * (L.row + 10) + maxPods * (L.podH + L.podGap) + 20;
  const nodesRight = L.margin + nodes.length * L.nodeWidth + (nodes.length - 1) * L.gap;
  const svcX = nodesRight + L.gap;
  const services = topo.services;
  const svcHeights = services.map(s => 62 + 18 * Math.max(1, s.endpoints.length));
  const svcBottom = L.nodeY + svcHeights.reduce((a, b) => a + b + 12, 0);
  const width = svcX + L.svcWidth + L.margin;
  const height = Math.max(L.nodeY + nodeH, svcBottom) + L.margin;
  const positions = new Map();
  const svg = el("svg:svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "group", "aria-labelledby": `${prefix}-svg-title` });
  svg.append(el("svg:title", { id: `${prefix}-svg-title`, text: `Lab ${topo.lab}: ${nodes.length} nodes on ${topo.bridge.name}, ${nodes.reduce((a, n) => a + n.pods.length, 0)} pods, ${services.length} services` }));
  const wires = el("svg:g", { class: "wires" });
  const boxes = el("svg:g", { class: "boxes" });
  const overlay = el("svg:g", { class: "overlay" });
  svg.append(wires, boxes, overlay);

  // host bridge
  const bridge = el("svg:g", { id: `${prefix}-bridge`, tabindex: 0, role: "img", "aria-label": `host bridge ${topo.bridge.name} ${topo.bridge.address}` },
    el("svg:rect", { x: L.margin, y: L.bridgeY, width: nodesRight - L.margin, height: L.bridgeH, rx: 8, class: "bridge-box" }),
    svgText(L.margin + 12, L.bridgeY + 20, `host bridge ${topo.bridge.name}`, "title"),
    svgText(L.margin + 12, L.bridgeY + 38, `${topo.bridge.address} · the nodes' underlay (outer VXLAN packets cross here)`, "small"));
  boxes.append(bridge);
  positions.set("bridge", { x: L.margin, y: L.bridgeY, w: nodesRight - L.margin, h: L.bridgeH });

  const flannelCentre = new Map();
  nodes.forEach((node, i) => {
    const x = L.margin + i * (L.nodeWidth + L.gap);
    const y = L.nodeY;
    const group = el("svg:g", { id: `${prefix}-node-${node.name}`, tabindex: 0, role: "img", "aria-label": `node ${node.name} (${node.role}), ${node.internalIP}, pod CIDR ${node.podCidr}, ${node.pods.length} pods` },
      el("svg:rect", { x, y, width: L.nodeWidth, height: nodeH, rx: 10, class: "node-box" }),
      svgText(x + 12, y + 22, `${node.name} (${node.role})`, "title"),
      svgTitle(`${node.name} (${node.role}) ${node.internalIP}, pod CIDR ${node.podCidr}`));
    boxes.append(group);
    positions.set(`node:${node.name}`, { x, y, w: L.nodeWidth, h: 32 });

    const [ens3, flannel, cni0] = node.interfaces;
    const half = (L.nodeWidth - 36) / 2;
    const rowY = y + 38;
    const iface = (key, ifc, ix, iy, w, cls) => {
      const g = el("svg:g", { id: `${prefix}-if-${node.name}-${ifc.name}`, tabindex: 0, role: "img", "aria-label": `${node.name} ${ifc.name} ${ifc.address || ""} ${ifc.detail}` },
        el("svg:rect", { x: ix, y: iy, width: w, height: L.row, rx: 6, class: ifc.address ? cls : "if-absent" }),
        svgText(ix + 8, iy + 18, ifc.name, "title"),
        svgText(ix + 8, iy + 35, ifc.name === "cni0" && ifc.address ? `${ifc.address} · pod CIDR ${node.podCidr}` : ifc.address || ifc.detail, "small"),
        svgTitle(`${ifc.name} ${ifc.address || ""} — ${ifc.detail}`));
      boxes.append(g);
      positions.set(key, { x: ix, y: iy, w, h: L.row });
    };
    iface(`if:${node.name}:ens3`, ens3, x + 12, rowY, half, "if-ens3");
    iface(`if:${node.name}:flannel.1`, flannel, x + 24 + half, rowY, half, "if-flannel");
    flannelCentre.set(node.name, { x: x + 24 + half + half / 2, y: rowY });
    // ens3 up to the bridge
    wires.append(el("svg:path", { class: "wire", d: `M ${x + 12 + half / 2} ${rowY} V ${L.bridgeY + L.bridgeH}` }));

    const cniY = rowY + L.row + 10;
    iface(`if:${node.name}:cni0`, cni0, x + 12, cniY, L.nodeWidth - 24, "if-cni0");
    // pods hang off cni0 by their veth
    node.pods.forEach((pod, j) => {
      const py = cniY + L.row + 14 + j * (L.podH + L.podGap);
      const px = x + 44;
      const pw = L.nodeWidth - 56;
      wires.append(el("svg:path", { class: "wire", d: `M ${x + 26} ${cniY + L.row} V ${py + L.podH / 2} H ${px}` }));
      const full = pod.namespace === "default" ? pod.name : podKey(pod);
      const name = full.length > 38 ? full.slice(0, 37) + "…" : full;
      const g = el("svg:g", { id: `${prefix}-pod-${podKey(pod)}`, class: "pod", tabindex: 0, role: "img", "data-pod": podKey(pod),
        "aria-label": `pod ${podKey(pod)}, eth0 ${pod.ip}, host veth ${pod.veth} on ${node.name}` },
        el("svg:rect", { x: px, y: py, width: pw, height: L.podH, rx: 14, class: "pod-box" }),
        svgText(px + 12, py + 19, name),
        svgText(px + 12, py + 36, `eth0 ${pod.ip} · ${pod.veth}`, "small mono"),
        svgTitle(`${podKey(pod)} — eth0 ${pod.ip}, host end ${pod.veth} on cni0 of ${node.name}`));
      boxes.append(g);
      positions.set(`pod:${podKey(pod)}`, { x: px, y: py, w: pw, h: L.podH });
    });
  });

  // The VXLAN mesh: an arc per pair of flannel.1 VTEPs, above the nodes (the outer packets go over the bridge);
  // labels sit in the band between the bridge and the nodes, never on a node's title.
  topo.vxlan.forEach(pair => {
    const a = flannelCentre.get(pair.a);
    const b = flannelCentre.get(pair.b);
    if (!a || !b) return;
    const span = Math.round(Math.abs(b.x - a.x) / (L.nodeWidth + L.gap));
    const apex = L.nodeY - 26 - (span - 1) * 100;
    const peak = a.y + 0.75 * (apex - a.y); // a cubic with both control points at the apex rises to 3/4 of it
    const midX = (a.x + b.x) / 2;
    const path = el("svg:path", { class: "vxlan", d: `M ${a.x} ${a.y} C ${a.x} ${apex}, ${b.x} ${apex}, ${b.x} ${b.y}` },
      svgTitle(`VXLAN ${pair.a} ⇄ ${pair.b}: outer ${pair.outer}, UDP ${pair.port}, VNI ${pair.vni}`));
    wires.append(path);
    wires.append(el("svg:text", { x: midX, y: peak - 6, "text-anchor": "middle", class: "vxlan-label", text: `VXLAN ${pair.a} ⇄ ${pair.b}` }));
  });
  if (topo.vxlan.length > 0) {
    wires.append(el("svg:text", { x: nodesRight, y: L.bridgeY + L.bridgeH + 18, "text-anchor": "end", class: "vxlan-label",
      text: `- - - VXLAN between the flannel.1 VTEPs: UDP ${topo.vxlan[0].port}, VNI ${topo.vxlan[0].vni}, outer packets over ${topo.bridge.name}` }));
  }
  positions.set("vxlan", { x: L.margin, y: L.nodeY - 60, w: nodesRight - L.margin, h: 20 });

  // Services on the right, endpoints listed, links to the endpoint pods shown on focus or hover
  let sy = L.nodeY;
  services.forEach((svc, i) => {
    const h = svcHeights[i];
    const key = `${svc.namespace}/${svc.name}`;
    const links = el("svg:g", { class: "endpoint-links" });
    svc.endpoints.forEach(ep => {
      const target = ep.pod ? positions.get(`pod:${ep.pod}`) : null;
      if (target) {
        links.append(el("svg:path", { class: "endpoint-link", d: `M ${svcX} ${sy + 20} C ${svcX - 40} ${sy + 20}, ${target.x + target.w + 40} ${target.y + target.h / 2}, ${target.x + target.w} ${target.y + target.h / 2}` }));
      }
    });
    const endpoints = svc.endpoints.length === 0 ? ["no endpoints"] : svc.endpoints.map(ep => `→ ${ep.address}${ep.node ? ` (${ep.node})` : ""}${ep.ready ? "" : " not ready"}`);
    const g = el("svg:g", { id: `${prefix}-svc-${key}`, class: "service", tabindex: 0, role: "img", "data-service": key,
      "aria-label": `service ${key}, ${svc.type} ${svc.clusterIP}, ports ${svc.ports.join(", ")}, endpoints ${endpoints.join(", ")}` },
      el("svg:rect", { x: svcX, y: sy, width: L.svcWidth, height: h, rx: 6, class: "svc-box" }),
      svgText(svcX + 12, sy + 20, key === `default/${svc.name}` ? svc.name : key, "title"),
      svgText(svcX + 12, sy + 38, `${svc.type} ${svc.clusterIP} · ${svc.ports.join(", ")}`, "small"),
      ...endpoints.map((line, j) => svgText(svcX + 20, sy + 58 + 18 * j, line, "mono")),
      links);
    g.addEventListener("mouseenter", () => g.classList.add("show-endpoints"));
    g.addEventListener("mouseleave", () => g.classList.remove("show-endpoints"));
    g.addEventListener("focus", () => g.classList.add("show-endpoints"));
    g.addEventListener("blur", () => g.classList.remove("show-endpoints"));
    boxes.append(g);
    positions.set(`svc:${key}`, { x: svcX, y: sy, w: L.svcWidth, h });
    sy += h + 12;
  });
  if (services.length > 0) {
    boxes.append(svgText(svcX, L.nodeY - 10, "Services (kube-proxy DNAT on every node)", "small"));
  }

  svg.positions = positions;
  svg.overlay = overlay;
  return svg;
}

/** The same topology as nested lists: the text alternative of the picture. */
function topologyText(topo) {
  const list = el("ul");
  list.append(el("li", { text: `host bridge ${topo.bridge.name} ${topo.bridge.address}` }));
  for (const node of topo.nodes) {
    const pods = el("ul", {}, node.pods.map(p => el("li", { text: `${podKey(p)}: eth0 ${p.ip}, veth ${p.veth}` })));
    list.append(el("li", { text: `node ${node.name} (${node.role}) ${node.podCidr}: ` + node.interfaces.map(i => `${i.name} ${i.address || "(" + i.detail + ")"}`).join(", ") }, pods));
  }
  list.append(el("li", { text: "VXLAN mesh: " + topo.vxlan.map(p => `${p.a} ⇄ ${p.b} (${p.outer})`).join("; ") }));
  for (const svc of topo.services) {
    list.append(el("li", { text: `service ${svc.namespace}/${svc.name} ${svc.clusterIP} ${svc.ports.join(", ")} → ${svc.endpoints.map(e => e.address).join(", ") || "no endpoints"}` }));
  }
  return list;
}

function renderTopology() {
  const topo = state.topology;
  if (!topo) return;
  document.getElementById("lab-name").textContent = `lab ${topo.lab} (${topo.driver})`;
  document.getElementById("topology-diagram").replaceChildren(drawTopology(topo));
  document.getElementById("topology-text").replaceChildren(topologyText(topo));
  fillChoices(topo);
  if (state.view === "trace" && state.trace) drawTraceDiagram();
}

function fillChoices(topo) {
  const sources = topo.nodes.flatMap(n => n.pods.map(p => p.namespace === "default" ? p.name : podKey(p))).concat(topo.nodes.map(n => n.name));
  document.getElementById("trace-sources").replaceChildren(...sources.map(s => el("option", { value: s })));
  const targets = topo.services.filter(s => s.clusterIP).map(s => {
    const host = s.namespace === "default" ? s.name : `${s.name}.${s.namespace}`;
    const port = parseInt(s.ports[0], 10);
    return port === 80 ? `http://${host}/` : `${host}:${port}`;
  });
  document.getElementById("trace-targets").replaceChildren(...targets.map(t => el("option", { value: t })));
  const select = document.getElementById("rules-node");
  const current = select.value || new URLSearchParams(location.search).get("node") || topo.nodes[0]?.name;
  select.replaceChildren(...topo.nodes.map(n => el("option", { value: n.name, text: n.name, selected: n.name === current })));
}

// ---------- live updates: server-sent events carry the topology whenever it changes ----------

function listen() {
  const events = new EventSource("/api/events");
  events.addEventListener("topology", event => {
    state.topology = JSON.parse(event.data);
    renderTopology();
    status(`up to date · ${new Date().toLocaleTimeString()}`);
  });
  events.addEventListener("failure", event => status(JSON.parse(event.data).error, true));
  events.onerror = () => status("lost the connection to kubelab ui; retrying…", true);
}

// ---------- views and addresses ----------

function show(view) {
  state.view = view;
  for (const name of ["topology", "trace", "rules"]) {
    document.getElementById(`view-${name}`).hidden = name !== view;
  }
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  clearInterval(state.rulesTimer);
  stopPlaying();
  document.title = `KubeLab · ${view}`;
  if (view === "trace") openTrace();
  if (view === "rules") openRules();
}

function route() {
  const path = location.pathname.replace(/\/+$/, "") || "/";
  show(path === "/trace" ? "trace" : path === "/rules" ? "rules" : "topology");
}

function navigate(url) {
  history.pushState(null, "", url);
  route();
}

// ---------- the trace ----------

async function openTrace() {
  const params = new URLSearchParams(location.search);
  const from = params.get("from");
  const to = params.get("to");
  document.getElementById("trace-from").value = from || "";
  document.getElementById("trace-to").value = to || "";
  if (!from || !to) {
    document.getElementById("trace-summary").replaceChildren(el("p", { class: "hint", text: "Pick a source pod or node and a target (e.g. test-pod and http://nginx-service/)." }));
    return;
  }
  document.getElementById("trace-summary").replaceChildren(el("p", { text: `tracing ${from} → ${to} …` }));
  try {
    state.trace = await getJson(`/api/trace?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  } catch (error) {
    state.trace = null;
    document.getElementById("trace-summary").replaceChildren(el("p", { class: "error", role: "alert", text: error.message }));
    document.getElementById("trace-steps").replaceChildren();
    document.getElementById("trace-branches").hidden = true;
    document.getElementById("trace-player").hidden = true;
    return;
  }
  state.branch = 0;
  renderTrace();
  play();
}

/** The pod key ("ns/name") a trace names as "pod default/test-pod (10.42.1.4) on vm2" or "eth0 of default/x". */
function podIn(text) {
  const match = /(?:pod |eth0 of |delivered to )([a-z0-9-]+\/[a-z0-9.-]+)/.exec(text || "");
  return match ? match[1] : null;
}

/** Where in the picture a hop happens. */
function hopTarget(hop, trace, fallbackPod) {
  const node = hop.node;
  const text = hop.text || "";
  switch (hop.kind) {
    case "send": return podIn(trace.source) ? `pod:${podIn(trace.source)}` : `node:${node}`;
    case "route": {
      if (text.startsWith("pod route")) return `if:${node}:cni0`;
      const dev = /dev (\S+)/.exec(text);
      return dev ? `if:${node}:${dev[1].replace(/["),]/g, "")}` : `node:${node}`;
    }
    case "encapsulate": return `if:${node}:flannel.1`;
    case "underlay": return "bridge";
    case "decapsulate": return `if:${node}:flannel.1`;
    case "deliver": return podIn(text) ? `pod:${podIn(text)}` : fallbackPod ? `pod:${fallbackPod}` : `node:${node}`;
    default: return `node:${node}`;
  }
}

/** Follows a path tree along the chosen branch: its hops, then the chosen sub-branch's, to the outcome. */
function walk(path, choose) {
  const hops = [...path.hops];
  const branchPoints = [];
  let current = path;
  while (current.branches && current.branches.length > 0) {
    branchPoints.push(current.branches);
    const next = current.branches[Math.min(choose(branchPoints.length - 1), current.branches.length - 1)];
    hops.push(...next.hops);
    current = next;
  }
  return { hops, outcome: current.outcome, branchPoints };
}

/** The trace as one list of steps for the player: resolver, DNS queries, the query's path, the connection, the reply. */
function buildSteps(trace) {
  const steps = [];
  const source = podIn(trace.source);
  const sourceKey = source ? `pod:${source}` : `node:${trace.sourceNode}`;
  const dns = trace.dns;
  if (dns) {
    steps.push({ phase: "resolver", target: sourceKey, text: `${dns.resolver} resolver, ndots ${dns.ndots}, nameserver ${dns.nameserver}: tries ${dns.candidates.join(", ")}`, commands: dns.commands });
    for (const q of dns.queries) {
      steps.push({ phase: "DNS query", target: sourceKey, text: `${q.type} ${q.name} → ${q.rcode}${q.addresses.length ? " " + q.addresses.join(", ") : ""}`, commands: q.commands });
    }
    const query = walk(dns.queryPath, () => 0);
    for (const hop of query.hops) steps.push({ phase: "DNS to CoreDNS", hop, target: hopTarget(hop, trace, query.outcome?.pod), text: hop.text, rule: hop.rule, commands: hop.commands });
    if (query.outcome) steps.push({ phase: "DNS to CoreDNS", target: query.outcome.pod ? `pod:${query.outcome.pod}` : `node:${query.outcome.node}`, text: query.outcome.text, commands: [] });
    steps.push({ phase: "DNS answer", target: sourceKey, text: dns.summary, commands: [] });
  }
  if (trace.connection) {
    const conn = walk(trace.connection, () => state.branch);
    for (const hop of conn.hops) {
      const step = { phase: "connection", hop, target: hopTarget(hop, trace, conn.outcome?.pod), text: hop.text, rule: hop.rule, commands: hop.commands, probability: hop.branchProbability };
      steps.push(step);
    }
    const outcome = conn.outcome;
    if (outcome) {
      steps.push({ phase: outcome.kind, target: outcome.pod ? `pod:${outcome.pod}` : outcome.node ? `node:${outcome.node}` : sourceKey, text: `${outcome.text} (probability ${fraction(outcome.probability)})`, commands: [] });
      (outcome.reply || []).forEach((line, i, all) => {
        const target = i === all.length - 1 ? sourceKey : i === 0 && outcome.pod ? `pod:${outcome.pod}` : `node:${trace.sourceNode}`;
        steps.push({ phase: "reply", target, text: line, commands: i === 1 ? outcome.commands : [] });
      });
    }
  }
  return steps;
}

function renderTrace() {
  const trace = state.trace;
  const summary = document.getElementById("trace-summary");
  const outcomes = trace.outcomes.map(o => `${o.kind} ${o.pod || o.address || ""} ${fraction(o.probability)}`.replace(/\s+/g, " "));
  summary.replaceChildren(
    el("p", {}, el("strong", { text: "From " }), trace.source, el("strong", { text: " to " }), `${trace.target.host}:${trace.target.port}/${trace.target.protocol}`),
    trace.dns ? el("p", { text: `DNS: ${trace.dns.summary}` }) : null,
    el("p", { text: `Outcomes: ${outcomes.join(" · ") || "none"}` }),
    ...trace.notes.map(n => el("p", { class: "hint", text: n })));

  // the branch chooser: one radio per endpoint chain, with its probability
  const branches = trace.connection && trace.connection.branches ? trace.connection.branches : [];
  const fieldset = document.getElementById("trace-branches");
  fieldset.hidden = branches.length === 0;
  const svcChain = branches.length ? (branches[0].hops.find(h => h.chain && h.chain.startsWith("KUBE-SVC")) || {}).chain : null;
  fieldset.querySelector("legend").textContent = svcChain
    ? `Branches of ${svcChain} (statistic rules pick one endpoint per connection)`
    : "Branches";
  document.getElementById("trace-branch-list").replaceChildren(...branches.map((b, i) => {
    const outcome = walk(b, () => 0).outcome;
    const input = el("input", { type: "radio", name: "branch", value: i, checked: i === state.branch,
      on: { change: () => { state.branch = i; buildAndDraw(); play(); } } });
    return el("label", { class: "branch" }, input, " ", el("span", { class: "prob", text: fraction(b.probability) }), " ",
      el("code", { text: b.label || `branch ${i + 1}` }), outcome && outcome.node ? ` on ${outcome.node}` : "");
  }));
  buildAndDraw();
}

function buildAndDraw() {
  state.steps = buildSteps(state.trace);
  state.step = -1;
  document.getElementById("trace-player").hidden = state.steps.length === 0;
  const list = document.getElementById("trace-steps");
  list.replaceChildren(...state.steps.map((step, i) => {
    const item = el("li", { id: `step-${i}`, tabindex: 0, "data-kind": step.hop ? step.hop.kind : step.phase,
      on: { click: () => { stopPlaying(); goTo(i); }, keydown: e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); stopPlaying(); goTo(i); } } } },
      ...stepContent(step));
    return item;
  }));
  drawTraceDiagram();
}

/** A hop as text: phase, where (node, table, chain), what happened, the rule as listed, the commands that show it. */
function stepContent(step) {
  return [
    el("span", { class: "phase", text: step.phase }),
    step.hop && step.hop.node ? el("span", { class: "where", text: step.hop.chain ? `${step.hop.node} ${step.hop.table} ${step.hop.chain}` : step.hop.node }) : null,
    el("span", { text: step.text }),
    step.probability !== undefined && step.probability !== null ? el("span", { class: "prob", text: ` (${fraction(step.probability)})` }) : null,
    step.rule ? el("code", { class: "rule", text: step.rule }) : null,
    ...(step.commands || []).map(c => el("code", { class: "cmd", text: c })),
  ].filter(x => x !== null);
}

function drawTraceDiagram() {
  if (!state.topology) return;
  const svg = drawTopology(state.topology, "tr");
  const packet = el("svg:circle", { r: 9, cx: 0, cy: 0, class: "packet", "aria-hidden": "true" });
  svg.overlay.append(packet);
  svg.packet = packet;
  document.getElementById("trace-diagram").replaceChildren(svg);
  state.svg = svg;
  if (state.step >= 0) goTo(state.step, true);
}

/** Where the packet sits on a box: its top right corner, clear of the box's text. */
function centre(box) {
  return { x: box.x + box.w - 10, y: box.y + 10 };
}

function goTo(index, redraw = false) {
  if (index < 0 || index >= state.steps.length) return;
  const previous = document.querySelector("#trace-steps li[aria-current]");
  if (previous) previous.removeAttribute("aria-current");
  state.step = index;
  const item = document.getElementById(`step-${index}`);
  item.setAttribute("aria-current", "step");
  if (!redraw) item.scrollIntoView({ block: "nearest" });
  document.getElementById("trace-position").textContent = `hop ${index + 1} of ${state.steps.length}`;
  const svg = state.svg;
  if (!svg) return;
  for (const lit of svg.querySelectorAll(".lit, .visited")) lit.classList.remove("lit", "visited");
  let here = null;
  for (let i = 0; i <= index; i++) {
    const box = svg.positions.get(state.steps[i].target);
    if (!box) continue;
    here = centre(box);
    const id = elementId(state.steps[i].target);
    const node = id ? svg.getElementById(id) : null;
    if (node) node.classList.add("visited");
  }
  const id = elementId(state.steps[index].target);
  const current = id ? svg.getElementById(id) : null;
  if (current) { current.classList.remove("visited"); current.classList.add("lit"); }
  if (here) svg.packet.style.transform = `translate(${here.x}px, ${here.y}px)`;
  document.getElementById("trace-now").replaceChildren(...stepContent(state.steps[index]));
}

function elementId(target) {
  if (!target) return null;
  if (target === "bridge") return "tr-bridge";
  const [kind, ...rest] = target.split(":");
  if (kind === "pod") return `tr-pod-${rest.join(":")}`;
  if (kind === "node") return `tr-node-${rest[0]}`;
  if (kind === "if") return `tr-if-${rest[0]}-${rest[1]}`;
  if (kind === "svc") return `tr-svc-${rest.join(":")}`;
  return null;
}

function play() {
  stopPlaying();
  const button = document.getElementById("trace-play");
  button.setAttribute("aria-pressed", "true");
  button.textContent = "⏸ Pause";
  if (state.step >= state.steps.length - 1) state.step = -1;
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  // a long path (a node's full ruleset: 100+ hops) plays in about half a minute; short ones keep their pace
  const pace = Math.max(150, Math.min(550, Math.floor(30000 / Math.max(1, state.steps.length))));
  state.timer = setInterval(() => {
    if (state.step >= state.steps.length - 1) { stopPlaying(); return; }
    goTo(state.step + 1);
  }, reduced ? 1200 : pace);
}

function stopPlaying() {
  clearInterval(state.timer);
  state.timer = null;
  const button = document.getElementById("trace-play");
  button.setAttribute("aria-pressed", "false");
  button.textContent = "▶ Play";
}

// ---------- the rules ----------

async function openRules() {
  const params = new URLSearchParams(location.search);
  const node = params.get("node") || document.getElementById("rules-node").value || (state.topology && state.topology.nodes[0]?.name);
  const table = params.get("table") || "nat";
  if (!node) return;
  document.getElementById("rules-node").value = node;
  for (const radio of document.querySelectorAll("#rules-form input[name=table]")) radio.checked = radio.value === table;
  await loadRules(node, table);
  state.rulesTimer = setInterval(() => { if (state.rules && state.rules.live) loadRules(node, table, true); }, 2000);
}

async function loadRules(node, table, refresh = false) {
  try {
    state.rules = await getJson(`/api/rules?node=${encodeURIComponent(node)}`);
  } catch (error) {
    document.getElementById("rules-source").replaceChildren(el("span", { class: "error", role: "alert", text: error.message }));
    return;
  }
  const rules = state.rules;
  document.getElementById("rules-source").replaceChildren(rules.live
    ? el("span", {}, `Live: the kernel's packet counters of ${node} (refreshed every 2 s), read with `, el("code", { text: rules.command }))
    : el("span", {}, `Model-only lab: the rules k3s would write on ${node} (`, el("code", { text: rules.command }), "); no kernel, so no counters."));
  const t = rules.tables.find(x => x.name === table) || rules.tables[0];
  const svg = drawChains(t, rules.live);
  document.getElementById("rules-diagram").replaceChildren(svg);
  const chain = state.chain && t.chains.some(c => c.name === state.chain) ? state.chain : t.chains.find(c => c.name.startsWith("KUBE-SVC-"))?.name || t.chains[0]?.name;
  selectChain(t, chain, !refresh);
}

const R = { margin: 16, colWidth: 300, gap: 90, boxH: 40, boxGap: 8 };

function drawChains(table, live) {
  const columns = new Map();
  for (const chain of table.chains) {
    const depth = chain.depth < 0 ? Infinity : chain.depth;
    if (!columns.has(depth)) columns.set(depth, []);
    columns.get(depth).push(chain);
  }
  const order = [...columns.keys()].sort((a, b) => a - b);
  const boxes = new Map();
  const packetsOf = chain => chain.rules.reduce((sum, r) => sum + (r.packets || 0), 0) + (chain.policyPackets || 0);
  order.forEach((depth, col) => {
    columns.get(depth).forEach((chain, row) => {
      boxes.set(chain.name, { x: R.margin + col * (R.colWidth + R.gap), y: R.margin + 20 + row * (R.boxH + R.boxGap), w: R.colWidth, h: R.boxH, chain });
    });
  });
  const width = R.margin * 2 + order.length * R.colWidth + (order.length - 1) * R.gap;
  const height = R.margin * 2 + 20 + Math.max(...order.map(d => columns.get(d).length)) * (R.boxH + R.boxGap);
  const svg = el("svg:svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "group", "aria-label": `${table.name} table: ${table.chains.length} chains; jumps drawn as lines${live ? ", hot ones with packets" : ""}` });
  order.forEach((depth, col) => svg.append(svgText(R.margin + col * (R.colWidth + R.gap), R.margin + 8,
    depth === 0 ? "built-in chains (hooks)" : depth === Infinity ? "not jumped to" : `${depth} jump${depth > 1 ? "s" : ""} from a hook`, "small")));
  const edges = el("svg:g");
  svg.append(edges);
  for (const edge of table.edges) {
    const a = boxes.get(edge.from);
    const b = boxes.get(edge.to);
    if (!a || !b) continue;
    const hot = live && edge.packets > 0;
    const x1 = a.x + a.w;
    const y1 = a.y + a.h / 2;
    const x2 = b.x;
    const y2 = b.y + b.h / 2;
    const d = x2 > x1 ? `M ${x1} ${y1} C ${x1 + 45} ${y1}, ${x2 - 45} ${y2}, ${x2} ${y2}` : `M ${a.x + a.w / 2} ${a.y + a.h} C ${a.x + a.w / 2} ${y2 + 60}, ${b.x + b.w / 2} ${y2 + 60}, ${b.x + b.w / 2} ${b.y + b.h}`;
    edges.append(el("svg:path", { class: hot ? "edge hot" : "edge", d },
      svgTitle(`${edge.from} rule ${edge.position} ${edge.goto ? "goes to" : "jumps to"} ${edge.to}${live ? `: ${edge.packets} packets` : ""}`)));
  }
  for (const [name, box] of boxes) {
    const chain = box.chain;
    const packets = packetsOf(chain);
    const detail = `${chain.policy ? `policy ${chain.policy} · ` : ""}${chain.rules.length} rule${chain.rules.length === 1 ? "" : "s"}${live ? ` · ${packets} pkts` : ""}`;
    const g = el("svg:g", { id: `chain-${name}`, class: "chain", tabindex: 0, role: "button", "aria-label": `chain ${name}, ${detail}`,
      on: { click: () => selectChain(table, name, true), keydown: e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectChain(table, name, true); } } } },
      el("svg:rect", { x: box.x, y: box.y, width: box.w, height: box.h, rx: 5, class: `chain-box${chain.policy ? " chain-builtin" : ""}${live && packets > 0 ? " chain-hot" : ""}` }),
      svgText(box.x + 8, box.y + 17, name.length > 36 ? name.slice(0, 35) + "…" : name, "mono"),
      svgText(box.x + 8, box.y + 33, detail, "small"),
      svgTitle(`${name}: ${detail}`));
    svg.append(g);
  }
  return svg;
}

function selectChain(table, name, announce) {
  state.chain = name;
  for (const g of document.querySelectorAll("#rules-diagram .chain")) g.classList.toggle("selected", g.id === `chain-${name}`);
  const chain = table.chains.find(c => c.name === name);
  if (!chain) return;
  const live = state.rules.live;
  const rows = chain.rules.map(rule => el("tr", { class: live && rule.packets > 0 ? "hot" : null },
    el("td", { class: "num", text: rule.position }),
    el("td", { class: "num", text: live ? rule.packets : "—" }),
    el("td", { class: "num", text: live ? rule.bytes : "—" }),
    el("td", { class: "text mono" }, rule.text, " ",
      rule.target && table.chains.some(c => c.name === rule.target)
        ? el("button", { type: "button", text: `→ ${rule.target}`, "aria-label": `show chain ${rule.target}`, on: { click: () => { selectChain(table, rule.target, true); document.getElementById(`chain-${rule.target}`)?.focus(); } } })
        : null)));
  const container = document.getElementById("rules-chain");
  container.replaceChildren(
    el("h3", { text: `${table.name} ${name}${chain.policy ? ` (policy ${chain.policy}${live && chain.policyPackets !== null ? `, ${chain.policyPackets} packets` : ""})` : ""}` }),
    el("p", { class: "hint" }, "As the kernel lists it: ", el("code", { text: chain.command })),
    el("table", { class: "rules" },
      el("caption", { class: "hint", text: `Rules of ${name}, in order` }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "#" }), el("th", { scope: "col", text: "pkts" }), el("th", { scope: "col", text: "bytes" }), el("th", { scope: "col", text: "rule (iptables-save)" }))),
      el("tbody", {}, rows)));
  if (announce) status(`showing ${table.name} chain ${name}`);
}

// ---------- wiring ----------

document.addEventListener("DOMContentLoaded", () => {
  for (const link of document.querySelectorAll("nav a")) {
    link.addEventListener("click", event => {
      event.preventDefault();
      const view = link.dataset.view;
      if (view === "trace" && state.trace) navigate(`/trace?from=${encodeURIComponent(document.getElementById("trace-from").value)}&to=${encodeURIComponent(document.getElementById("trace-to").value)}`);
      else if (view === "rules") navigate(`/rules?node=${encodeURIComponent(document.getElementById("rules-node").value || "")}`);
      else navigate(link.getAttribute("href"));
    });
  }
  document.getElementById("trace-form").addEventListener("submit", event => {
    event.preventDefault();
    const from = document.getElementById("trace-from").value.trim();
    const to = document.getElementById("trace-to").value.trim();
    navigate(`/trace?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  });
  document.getElementById("trace-play").addEventListener("click", () => (state.timer ? stopPlaying() : play()));
  document.getElementById("trace-prev").addEventListener("click", () => { stopPlaying(); goTo(state.step - 1); });
  document.getElementById("trace-next").addEventListener("click", () => { stopPlaying(); goTo(state.step + 1); });
  document.getElementById("rules-form").addEventListener("change", () => {
    const node = document.getElementById("rules-node").value;
    const table = document.querySelector("#rules-form input[name=table]:checked").value;
    state.chain = null;
    navigate(`/rules?node=${encodeURIComponent(node)}&table=${table}`);
  });
  window.addEventListener("popstate", route);
  getJson("/api/topology").then(topo => {
    state.topology = topo;
    renderTopology();
    route();
    listen();
  }).catch(error => status(error.message, true));
});
