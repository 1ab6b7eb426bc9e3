// Chronus panel: draws the snapshots the server sends over a WebSocket (~30 a second) and
// sends control messages back in the OSC address space ({address, args}). It never sees a
// live buffer: everything here comes from snapshots. When the connection drops (the engine
// restarted) it keeps reconnecting and rebuilds itself from the next structure message.
"use strict";

const state = {
  structure: null,      // {graph, addresses, engine}
  lastSnapshot: null,
  snapshots: 0,
  connected: false,
  connections: 0,
  clipUntil: [],        // per channel, time (ms) until which the clip light stays on
  dragging: null,       // address of the slider being moved
  replies: [],
};
window.chronus = state;

const $ = (id) => document.getElementById(id);
let socket = null;
let retry = 250;

function log(text) {
  const el = $("log");
  el.textContent = (text + "\n" + el.textContent).slice(0, 4000);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${location.host}/ws${location.search}`);
  socket.onopen = () => {
    state.connected = true;
    state.connections += 1;
    retry = 250;
    $("status").textContent = "connected";
    $("status").className = "up";
  };
  socket.onclose = () => {
    state.connected = false;
    $("status").textContent = "reconnecting…";
    $("status").className = "down";
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 2000);
  };
  socket.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "structure") buildStructure(msg);
    else if (msg.type === "session") buildSession(msg);
    else if (msg.type === "snapshot") drawSnapshot(msg);
    else if (msg.type === "reply" || msg.type === "error") {
      state.replies.push(msg);
      if (state.replies.length > 50) state.replies.shift();
      if (msg.type === "error") log(`error ${msg.address}: ${msg.message}`);
      else if (msg.replies.length) log(msg.replies.map((r) => r.join(" ")).join("\n"));
    }
  };
}

function send(address, args = []) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ address, args }));
}
state.send = send;

// -- parameters ---------------------------------------------------------------------------
// Frequencies and times spanning decades move on a log scale (from the range's bottom, or
// from 1/10000 of its top when the range starts at or below zero); the rest linearly.
function scaleFor(a) {
  const decades = (a.unit === "Hz" || a.unit === "s") && a.max > 0;
  const lo = a.min > 0 ? a.min : a.max * 1e-4;
  const log = (decades || a.min > 0) && a.max / lo >= 100;
  return {
    toSlider: (v) => {
      const t = log ? Math.log(Math.max(v, lo) / lo) / Math.log(a.max / lo) : (v - a.min) / (a.max - a.min);
      return Math.round(1000 * Math.min(1, Math.max(0, t)));
    },
    fromSlider: (s) => {
      const t = s / 1000;
      return log ? lo * Math.pow(a.max / lo, t) : a.min + t * (a.max - a.min);
    },
  };
}

function format(v, unit) {
  if (typeof v !== "number") return String(v);
  const a = Math.abs(v);
  const text = a >= 1000 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(3);
  return unit ? `${text} ${unit}` : text;
}

const throttled = new Map();
function sendThrottled(address, value) {
  const entry = throttled.get(address) || { last: 0, timer: null, value };
  entry.value = value;
  const now = performance.now();
  const wait = 1000 / 30 - (now - entry.last);
  if (wait <= 0) {
    entry.last = now;
    send(address, [value]);
  } else if (!entry.timer) {
    entry.timer = setTimeout(() => {
      entry.timer = null;
      entry.last = performance.now();
      send(address, [entry.value]);
    }, wait);
  }
  throttled.set(address, entry);
}

function buildParams(addresses) {
  const box = $("params");
  box.textContent = "";
  const byNode = new Map();
  for (const a of addresses) {
    if (!a.path.startsWith("/mod/") || a.min === null || a.max === null) continue;
    const [, , node, param] = a.path.split("/");
    if (!byNode.has(node)) byNode.set(node, []);
    byNode.get(node).push({ ...a, param });
  }
  for (const [node, params] of byNode) {
    const div = document.createElement("div");
    div.className = "node";
    div.innerHTML = `<b></b>`;
    div.querySelector("b").textContent = node;
    for (const a of params) {
      const row = document.createElement("div");
      row.className = "param";
      const label = document.createElement("span");
      label.textContent = a.param;
      const slider = document.createElement("input");
      slider.type = "range";
      slider.min = 0;
      slider.max = 1000;
      slider.dataset.address = a.path;
      const value = document.createElement("span");
      value.className = "value";
      value.dataset.address = a.path;
      const scale = scaleFor(a);
      slider.addEventListener("pointerdown", () => (state.dragging = a.path));
      slider.addEventListener("pointerup", () => (state.dragging = null));
      slider.addEventListener("input", () => {
        const v = scale.fromSlider(Number(slider.value));
        value.textContent = format(v, a.unit);
        sendThrottled(a.path, v);
      });
      slider.addEventListener("change", () => (state.dragging = null));
      slider._scale = scale;
      slider._unit = a.unit;
      row.append(label, slider, value);
      div.append(row);
    }
    box.append(div);
  }
}

function drawParams(values) {
  for (const slider of document.querySelectorAll("#params input[type=range]")) {
    const address = slider.dataset.address;
    const v = values[address];
    if (!v || !v.length) continue;
    const label = document.querySelector(`span.value[data-address="${CSS.escape(address)}"]`);
    slider.disabled = typeof v[0] !== "number";
    if (slider.disabled) {
      // Modulated: the value is a signal, named here; setting it would not be heard.
      if (label) label.textContent = "← " + v.join(" + ");
      continue;
    }
    if (label) label.textContent = format(v[0], slider._unit) + (v.length > 1 ? ` (${v.length} lanes)` : "");
    if (state.dragging !== address) slider.value = slider._scale.toSlider(v[0]);
  }
}

// -- graph --------------------------------------------------------------------------------
function drawGraph(graph) {
  const svg = $("graph");
  svg.textContent = "";
  const ns = "http://www.w3.org/2000/svg";
  const depth = new Map(graph.nodes.map((n) => [n.id, 0]));
  for (let pass = 0; pass < graph.nodes.length; pass++) {
    let moved = false;
    for (const e of graph.edges) {
      if (e.to_id === null || e.from_id === e.to_id) continue;
      const d = depth.get(e.from_id) + 1;
      if (d > depth.get(e.to_id) && d <= graph.nodes.length) {
        depth.set(e.to_id, d);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const columns = new Map();
  const pos = new Map();
  for (const n of graph.nodes) {
    const d = depth.get(n.id);
    const row = columns.get(d) || 0;
    columns.set(d, row + 1);
    pos.set(n.id, { x: 10 + d * 150, y: 10 + row * 36 });
  }
  const maxDepth = Math.max(0, ...depth.values());
  pos.set("output", { x: 10 + (maxDepth + 1) * 150, y: 10 });
  const rows = Math.max(1, ...columns.values());
  svg.setAttribute("viewBox", `0 0 ${(maxDepth + 2) * 150 + 20} ${rows * 36 + 20}`);
  for (const e of graph.edges) {
    const a = pos.get(e.from_id);
    const b = pos.get(e.to_id === null ? "output" : e.to_id);
    if (!a || !b) continue;
    const line = document.createElementNS(ns, "line");
    line.setAttribute("x1", a.x + 120);
    line.setAttribute("y1", a.y + 12);
    line.setAttribute("x2", b.x);
    line.setAttribute("y2", b.y + 12);
    line.setAttribute("class", e.kind);
    const title = document.createElementNS(ns, "title");
    title.textContent = `${e.from}.${e.port} → ${e.to}${e.to_port ? "." + e.to_port : ""} (${e.channels} ch)`;
    line.append(title);
    svg.append(line);
  }
  const boxes = graph.nodes.map((n) => ({ id: n.id, label: n.name, title: `${n.kind}, ${n.lanes} lanes, latency ${n.latency}` }));
  boxes.push({ id: "output", label: `output (${graph.output_channels} ch)`, title: "graph output" });
  for (const b of boxes) {
    const p = pos.get(b.id);
    const g = document.createElementNS(ns, "g");
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", p.x);
    rect.setAttribute("y", p.y);
    rect.setAttribute("width", 120);
    rect.setAttribute("height", 24);
    rect.setAttribute("rx", 4);
    const text = document.createElementNS(ns, "text");
    text.setAttribute("x", p.x + 6);
    text.setAttribute("y", p.y + 16);
    text.textContent = b.label.length > 18 ? b.label.slice(0, 17) + "…" : b.label;
    const title = document.createElementNS(ns, "title");
    title.textContent = b.title;
    g.append(rect, text, title);
    svg.append(g);
  }
}

// -- snapshots ----------------------------------------------------------------------------
function buildStructure(msg) {
  state.structure = msg;
  $("session-box").hidden = true;  // a session's layout follows its structure
  const e = msg.engine;
  $("engine").textContent = `${e.backend}:${e.device} · ${e.samplerate} Hz · block ${e.blocksize}`;
  buildParams(msg.addresses);
  drawGraph(msg.graph);
}

function dbToX(db, width) {
  const t = (Math.max(-60, Math.min(6, db)) + 60) / 66;
  return t * width;
}

function drawMeters(meters) {
  const canvas = $("meters");
  const ctx = canvas.getContext("2d");
  const n = meters.peak.length;
  const h = Math.min(28, (canvas.height - 10) / Math.max(1, n));
  const w = canvas.width - 40;
  const now = performance.now();
  ctx.fillStyle = "#1d2027";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let c = 0; c < n; c++) {
    const y = 4 + c * h;
    const peak = meters.peak[c];
    const rms = meters.rms[c];
    if (peak >= 1.0) state.clipUntil[c] = now + 2000;
    const db = (x) => (x > 0 ? 20 * Math.log10(x) : -120);
    ctx.fillStyle = "#2d3340";
    ctx.fillRect(0, y, w, h - 4);
    ctx.fillStyle = "#4caf7d";
    ctx.fillRect(0, y, dbToX(db(rms), w), h - 4);
    ctx.fillStyle = "#e8f0ff";
    ctx.fillRect(dbToX(db(peak), w) - 1, y, 2, h - 4);
    ctx.fillStyle = (state.clipUntil[c] || 0) > now ? "#ff4d4d" : "#3b2a2a";
    ctx.fillRect(w + 6, y, 24, h - 4);
  }
  ctx.fillStyle = "#9aa3b2";
  ctx.font = "10px sans-serif";
  for (const mark of [-48, -24, -12, -6, 0]) ctx.fillText(String(mark), dbToX(mark, w) - 6, canvas.height - 2);
}

function drawStats(s, control) {
  const rows = [
    ["load", `${(100 * s.load).toFixed(1)} %`],
    ["callback p99", `${s.callback_p99_ms.toFixed(3)} of ${s.deadline_ms.toFixed(2)} ms`],
    ["worst callback", `${s.callback_worst_ms.toFixed(3)} ms`],
    ["xruns", s.xruns],
    ["late events", s.late_events],
    ["node resets", s.node_resets],
    ["control messages", `${control.applied || 0} applied, ${(control.received || 0) - (control.applied || 0)} refused`],
  ];
  $("stats").innerHTML = rows.map(([k, v]) => `<tr><td>${k}</td><td class="v">${v}</td></tr>`).join("");
}

function drawProfile(rows) {
  // Node names are the patch's: written as text, never as markup.
  const table = $("profile");
  table.textContent = "";
  for (const r of rows || []) {
    const tr = table.insertRow();
    const cells = [r.name, r.kind, `${r.mean_ms.toFixed(4)} ms`, `worst ${r.worst_ms.toFixed(4)} ms`, `${(100 * r.share).toFixed(1)} %`];
    cells.forEach((text, i) => {
      const td = tr.insertCell();
      td.textContent = text;
      if (i > 1) td.className = "v";
    });
  }
}

function drawProbes(rows) {
  // One row per probe and lane: label, lane, min, max, RMS, non-finite count of its latest
  // window. Labels are the patch's: written as text, never as markup.
  const table = $("probes");
  table.textContent = "";
  for (const r of rows || []) {
    const lanes = r.min ? r.min.length : 1;
    for (let lane = 0; lane < lanes; lane++) {
      const tr = table.insertRow();
      const cells = r.min
        ? [r.label, lanes > 1 ? `lane ${lane}` : "", `min ${r.min[lane].toFixed(4)}`, `max ${r.max[lane].toFixed(4)}`,
           `rms ${r.rms[lane].toFixed(4)}`, `non-finite ${r.nonfinite[lane]}`]
        : [r.label, "", "–", "–", "–", "–"];
      cells.forEach((text, i) => {
        const td = tr.insertCell();
        td.textContent = text;
        if (i > 1) td.className = "v";
        if (i === 5 && r.nonfinite && r.nonfinite[lane] > 0) td.classList.add("bad");
      });
    }
  }
}

function drawSnapshot(msg) {
  state.lastSnapshot = msg;
  state.snapshots += 1;
  drawMeters(msg.meters);
  drawStats(msg.stats, msg.control);
  const t = msg.transport;
  $("position").textContent = `beat ${t.beat.toFixed(2)} ${t.playing ? "▶" : "■"}`;
  if (document.activeElement !== $("tempo")) $("tempo").value = t.bpm.toFixed(0);
  if (msg.params) drawParams(msg.params);
  drawProfile(msg.profile);
  drawProbes(msg.probes);
  if (msg.session) drawSession(msg.session);
}

// -- session view -------------------------------------------------------------------------
// One row per track, bus and the master: name, mute/solo, fader and pan (sending the same
// /track and /bus addresses OSC takes), a meter, and for tracks a timeline with each placed
// clip's waveform overview where it plays and a launch/stop pair per clip. The overviews
// arrive once per connection (the "session" message); each row's timeline is drawn once
// into an offscreen canvas and copied with the playhead on each snapshot, and the session's
// cycle region (from the snapshots: it changes live) as a band over it.
const WAVE = "#5fa8d3";
const CLIP_BG = "#223044";
const LANE_BG = "#15171c";
const PLAYHEAD = "#ffcc00";
const CYCLE = "rgba(143, 211, 255, 0.18)";
const CYCLE_EDGE = "#8fd3ff";
// span: the seconds the timelines show (the timeline, or further to a cycle set beyond it);
// cycleEdited: the cycle inputs were typed into since they were last sent.
const session = {
  layout: null, rows: [], seconds: 0, drawn: 0, span: 1, cycle: null, cycleKey: "", cycleEdited: false,
};
state.session = session;

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;  // names are the session's: text, never markup
  return el;
}

function slider(address, min, max, step, unit, entry) {
  const label = element("label");
  const input = element("input");
  Object.assign(input, { type: "range", min, max, step });
  input.dataset.address = address;
  const value = element("span");
  label.append(element("span", "", unit === "dB" ? "gain" : "pan"), input, value);
  const show = (v) => (value.textContent = unit === "dB" ? `${v.toFixed(1)} dB` : v.toFixed(2));
  input.addEventListener("pointerdown", () => (state.dragging = address));
  input.addEventListener("pointerup", () => (state.dragging = null));
  input.addEventListener("change", () => (state.dragging = null));
  input.addEventListener("input", () => {
    show(Number(input.value));
    sendThrottled(address, Number(input.value));
  });
  entry.sliders.push({ input, show, address, key: unit === "dB" ? "gain_db" : "pan" });
  return label;
}

function quantize() {
  const q = $("quantize").value;
  return /^\d+$/.test(q) ? Number(q) : q;
}

function buildSession(msg) {
  session.layout = msg;
  session.rows = [];
  session.span = msg.seconds;
  $("session-box").hidden = false;
  const box = $("rows");
  box.textContent = "";
  for (const r of msg.rows) {
    const entry = { r, sliders: [], state: null };
    const row = element("div", `row ${r.kind}`);
    row.dataset.key = r.key;
    const head = element("div", "head");
    const toggles = element("div", "toggles");
    entry.mute = element("button", "mute", "M");
    entry.mute.title = `mute (${r.mute})`;
    entry.mute.addEventListener("click", () => send(r.mute, [entry.state && entry.state.muted ? 0 : 1]));
    toggles.append(entry.mute);
    if (r.solo) {
      entry.solo = element("button", "solo", "S");
      entry.solo.title = `solo (${r.solo})`;
      entry.solo.addEventListener("click", () => send(r.solo, [entry.state && entry.state.soloed ? 0 : 1]));
      toggles.append(entry.solo);
    }
    entry.meter = element("canvas", "meter");
    Object.assign(entry.meter, { width: 220, height: 14 });
    head.append(
      element("span", "name", r.kind === "bus" && r.name !== "master" ? `bus ${r.name}` : r.name),
      toggles,
      slider(r.gain_db, -60, 12, 0.1, "dB", entry),
      slider(r.pan, -1, 1, 0.01, "", entry),
      entry.meter,
    );
    const lane = element("div", "lane");
    if (r.kind === "track") {
      entry.canvas = element("canvas", "timeline");
      Object.assign(entry.canvas, { width: 900, height: 64 });
      entry.cache = document.createElement("canvas");
      Object.assign(entry.cache, { width: 900, height: 64 });
      drawLane(entry.cache, r.clips, msg, session.span);
      entry.canvas.getContext("2d").drawImage(entry.cache, 0, 0);
      const clips = element("div", "clips");
      for (const c of r.clips) {
        const chip = element("span", "clip");
        chip.title = c.start === null ? `${c.name}: launched only` : `${c.name} at ${c.start.toFixed(2)} s`;
        const thumb = element("canvas");
        Object.assign(thumb, { width: 60, height: 18 });
        drawOverview(thumb.getContext("2d"), msg.overviews[c.file], 0, 60, 18);
        const play = element("button", "launch", "▶");
        play.dataset.address = c.launch;
        play.addEventListener("click", () => send(c.launch, [quantize()]));
        const stop = element("button", "stop", "■");
        stop.dataset.address = c.stop;
        stop.addEventListener("click", () => send(c.stop, [quantize()]));
        chip.append(thumb, element("span", "", `${c.index} ${c.name}`), play, stop);
        clips.append(chip);
      }
      lane.append(entry.canvas, clips);
    }
    row.append(head, lane);
    box.append(row);
    entry.row = row;
    session.rows.push(entry);
  }
}

// A file's whole overview across a canvas (the clip chips' thumbnails).
function drawOverview(ctx, ov, x0, width, height) {
  ctx.fillStyle = CLIP_BG;
  ctx.fillRect(x0, 0, width, height);
  ctx.fillStyle = WAVE;
  const n = ov.min.length;
  for (let px = 0; px < width; px++) {
    const b = Math.min(n - 1, Math.floor(((px + 0.5) / width) * n));
    column(ctx, x0 + px, ov.min[b], ov.max[b], height);
  }
}

function column(ctx, x, lo, hi, height) {
  // Whole pixels: crisp columns at least one pixel tall.
  const half = height / 2;
  const top = Math.floor(half - Math.max(-1, Math.min(1, hi)) * half);
  const bottom = Math.ceil(half - Math.max(-1, Math.min(1, lo)) * half);
  ctx.fillRect(x, top, 1, Math.max(1, bottom - top));
}

// Each placed clip where it sounds: the pixel column at timeline time t shows the bucket of
// the file time it plays then (its offset, looped over its region, at its stretch ratio),
// the canvas spanning ``seconds`` of the timeline.
function drawLane(canvas, clips, layout, seconds) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width;
  const h = canvas.height;
  ctx.fillStyle = LANE_BG;
  ctx.fillRect(0, 0, w, h);
  for (const c of clips) {
    if (c.start === null) continue;
    const ov = layout.overviews[c.file];
    const n = ov.min.length;
    const x0 = Math.floor((c.start / seconds) * w);
    const x1 = Math.min(w, Math.ceil((c.end / seconds) * w));
    ctx.fillStyle = CLIP_BG;
    ctx.fillRect(x0, 2, Math.max(1, x1 - x0), h - 4);
    ctx.fillStyle = WAVE;
    const region = c.length !== null ? c.length : ov.seconds - c.offset;
    for (let px = x0; px < x1; px++) {
      const t = ((px + 0.5) / w) * seconds - c.start;
      if (t < 0 || t > c.end - c.start) continue;
      let into = t / c.ratio;
      if (c.loop && region > 0) into %= region;
      const at = c.offset + into;
      if (at >= ov.seconds || n === 0) continue;
      const b = Math.min(n - 1, Math.floor((at / ov.seconds) * n));
      column(ctx, px, ov.min[b], ov.max[b], h - 4);
    }
  }
}

// The track's clips plus each clip launched live, placed from its launch to its stop (or
// to the end of its region, or of the timeline for a loop).
function withLaunches(clips, launched, layout) {
  const out = [...clips];
  for (const [index, [start, stop]] of Object.entries(launched)) {
    const c = clips[Number(index)];
    if (!c) continue;
    const ov = layout.overviews[c.file];
    const region = (c.length !== null ? c.length : ov.seconds - c.offset) * c.ratio;
    let end = c.loop ? layout.seconds : start + region;
    if (stop !== null) end = Math.min(end, stop);
    out.push({ ...c, start, end });
  }
  return out;
}

function drawRowMeter(canvas, levels) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width;
  ctx.fillStyle = "#2d3340";
  ctx.fillRect(0, 0, w, canvas.height);
  if (!levels) return;
  const n = levels.peak.length;
  const h = canvas.height / Math.max(1, n);
  const db = (x) => (x > 0 ? 20 * Math.log10(x) : -120);
  for (let c = 0; c < n; c++) {
    ctx.fillStyle = "#4caf7d";
    ctx.fillRect(0, c * h, dbToX(db(levels.rms[c]), w), h - 1);
    ctx.fillStyle = levels.peak[c] >= 1.0 ? "#ff4d4d" : "#e8f0ff";
    ctx.fillRect(dbToX(db(levels.peak[c]), w) - 1, c * h, 2, h - 1);
  }
}

// The cycle: shown as text, and in the inputs when a new one is set (unless they were
// typed into since they were last sent; a cycle stopped leaves its region there).
function showCycle(c) {
  session.cycle = c;
  $("cycle-shown").textContent = c
    ? `${c.start}–${c.end} beats × ${c.passes}${c.pass ? ` (pass ${c.pass})` : ""}`
    : "no cycle";
  const key = JSON.stringify(c && [c.start, c.end, c.passes]);
  if (key === session.cycleKey) return;
  session.cycleKey = key;
  if (!c || session.cycleEdited) return;
  const values = { "cycle-start": c.start, "cycle-end": c.end, "cycle-passes": c.passes };
  for (const [id, v] of Object.entries(values)) $(id).value = String(v);
}

// What the cycle inputs send: start and end beats, and passes unless empty (endless). An
// empty beat goes as null, which the server refuses with an error naming the address.
function cycleArgs() {
  const number = (id) => ($(id).value === "" ? null : Number($(id).value));
  const args = [number("cycle-start"), number("cycle-end")];
  if ($("cycle-passes").value !== "") args.push(number("cycle-passes"));
  return args;
}

function drawSession(s) {
  session.seconds = s.seconds;
  session.drawn += 1;
  $("session-time").textContent = `${s.seconds.toFixed(2)} s`;
  showCycle(s.cycle || null);
  const total = Math.max(session.layout ? session.layout.seconds : 1, s.cycle ? s.cycle.to : 0);
  const rescaled = total !== session.span;
  session.span = total;
  for (const entry of session.rows) {
    const st = s.strips[entry.r.key];
    if (!st) continue;
    entry.state = st;
    entry.mute.classList.toggle("on", st.muted);
    if (entry.solo) entry.solo.classList.toggle("on", st.soloed);
    entry.row.style.opacity = st.audible ? "1" : "0.55";
    for (const sl of entry.sliders) {
      if (state.dragging !== sl.address) sl.input.value = st[sl.key];
      sl.show(state.dragging === sl.address ? Number(sl.input.value) : st[sl.key]);
    }
    drawRowMeter(entry.meter, st.levels);
    const launched = JSON.stringify(st.launched || {});
    if (entry.cache && (launched !== entry.launched || rescaled)) {
      // A clip launched or stopped live (or the span changed): drawn where it sounds, from
      // the next snapshot on.
      entry.launched = launched;
      const clips = withLaunches(entry.r.clips, st.launched || {}, session.layout);
      drawLane(entry.cache, clips, session.layout, total);
    }
    if (entry.canvas) {
      const ctx = entry.canvas.getContext("2d");
      const w = entry.canvas.width;
      ctx.drawImage(entry.cache, 0, 0);
      if (s.cycle) {
        // The region a cycle repeats: a band between its first and last pixel columns.
        const x0 = Math.floor((s.cycle.from / total) * w);
        const x1 = Math.max(x0 + 1, Math.ceil((s.cycle.to / total) * w));
        ctx.fillStyle = CYCLE;
        ctx.fillRect(x0, 0, x1 - x0, entry.canvas.height);
        ctx.fillStyle = CYCLE_EDGE;
        ctx.fillRect(x0, 0, 1, entry.canvas.height);
        ctx.fillRect(x1 - 1, 0, 1, entry.canvas.height);
      }
      const x = Math.round((s.seconds / total) * entry.canvas.width);
      if (x >= 0 && x < entry.canvas.width) {
        ctx.fillStyle = PLAYHEAD;
        ctx.fillRect(Math.max(0, x - 1), 0, 2, entry.canvas.height);
      }
    }
  }
}

$("play").addEventListener("click", () => send("/transport/start"));
$("stop").addEventListener("click", () => send("/transport/stop"));
$("profile-on").addEventListener("click", () => send("/profile"));
$("profile-off").addEventListener("click", () => send("/profile/stop"));
$("tempo").addEventListener("change", () => send("/transport/tempo", [Number($("tempo").value)]));
for (const id of ["cycle-start", "cycle-end", "cycle-passes"]) {
  $(id).addEventListener("input", () => (session.cycleEdited = true));
}
function sendCycle(args) {
  session.cycleEdited = false;
  if (session.layout) send(session.layout.cycle, args);
}
$("cycle-set").addEventListener("click", () => sendCycle(cycleArgs()));
$("cycle-clear").addEventListener("click", () => sendCycle([]));
connect();
