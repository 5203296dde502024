// render.js: DOM for calls, the queue and the per-day chart. User text
// (transcripts, titles, errors) only ever goes in as text nodes.

import { STAGES, PRIORITIES, terminal, priorityOf, highlight } from "./calls.js";

// h makes an element: h("p", {class: "x"}, "text", child, ...).
export function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat()) if (k != null && k !== false) el.append(k);
  return el;
}

const time = (d) => d ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
const dur = (s) => s == null ? "" : `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`;
const label = (s) => String(s || "").replace(/_/g, " ");

function badge(c) {
  const p = priorityOf(c);
  if (p) return h("span", { class: `badge p-${p}`, "data-priority": p }, p.toUpperCase());
  return h("span", { class: `badge s-${c.status}` }, label(c.status));
}

function bars(c) {
  return h("div", { class: "stages" }, STAGES.map(([k, name]) => {
    const st = c.stages[k];
    const id = `bar-${c.id}-${k}`;
    const bar = h("progress", { id, max: 100, "data-stage": k, "data-state": st.state });
    if (st.state === "done") bar.value = 100;
    else if (st.pct != null) bar.value = st.pct;
    else if (st.state !== "running") bar.value = 0; // running without a number: indeterminate
    return h("div", { class: `stage st-${st.state}` },
      h("label", { for: id }, name, h("span", { class: "visually-hidden" }, `: ${st.state}`)), bar);
  }));
}

function marked(text, evidence) {
  return highlight(text, evidence).map(([piece, ev]) => ev
    ? h("mark", { title: `${label(ev.rule)}${ev.start != null ? ` at ${dur(ev.start)}` : ""}` }, piece)
    : piece);
}

function caseLine(c, acts) {
  const cs = c.result && c.result.case;
  if (!cs) return c.status === "completed" ? h("p", { class: "case" }, "No case.") : null;
  const num = cs.case_number || cs.id;
  const link = num ? (cs.url ? h("a", { href: cs.url, target: "_blank", rel: "noopener noreferrer" }, num) : num) : null;
  const state = h("span", { class: `delivery d-${cs.status}`, "data-delivery": cs.status }, label(cs.status));
  return h("p", { class: "case" }, "Case ", link, link ? " · " : "", "delivery: ", state,
    cs.attempts ? ` (${cs.attempts} attempt${cs.attempts > 1 ? "s" : ""})` : "",
    cs.last_error ? h("span", { class: "muted" }, ` ${cs.last_error}`) : null,
    cs.status === "failed" && acts.mayRead
      ? h("button", { type: "button", "data-action": "retry", onclick: () => acts.retry(c) }, "Retry delivery") : null);
}

// row fills li with call c. acts: {mayCancel, mayRead, cancel, retry, ack, pinned}.
export function row(li, c, acts) {
  const r = c.result || {};
  const cl = c.classification || r.classification;
  const when = c.finished || c.created;
  const head = h("div", { class: "head" }, badge(c),
    h("strong", { class: "cat" }, cl ? label(cl.sub_category || cl.category) : (c.title || "Call")),
    cl && cl.sub_category ? h("span", { class: "muted" }, label(cl.category)) : null,
    h("span", { class: "meta" }, [time(when), r.duration_s != null ? dur(r.duration_s) : "", r.language || "",
      `#${c.id.slice(0, 8)}`].filter(Boolean).join(" · ")),
    acts.pinned ? h("button", { type: "button", class: "ack", "data-action": "ack", onclick: () => acts.ack(c) }, "Acknowledge") : null,
    !terminal(c) && acts.mayCancel
      ? h("button", { type: "button", "data-action": "cancel", onclick: () => acts.cancel(c) }, "Cancel") : null);
  const body = [];
  if (!terminal(c) || c.stages.case.state === "running" || c.stages.case.state === "waiting") body.push(bars(c));
  if (c.error) body.push(h("p", { class: "error" }, `${label(c.status)}: ${c.error.message || c.error.code || ""}`));
  const transcript = r.transcript ?? c.partial;
  if (transcript) {
    body.push(h("p", { class: "transcript" }, h("span", { class: "visually-hidden" }, "Transcript: "),
      marked(transcript, (cl && cl.evidence || []).filter((e) => e.source !== "translation"))));
  }
  if (r.translation && r.translation.trim() !== (r.transcript || "").trim()) {
    const d = h("details", { class: "translation", open: c.ui.open || null,
      ontoggle: (e) => { c.ui.open = e.target.open; } },
    h("summary", {}, "English translation"),
    h("p", {}, marked(r.translation, (cl && cl.evidence || []).filter((e) => e.source === "translation"))));
    body.push(d);
  }
  if (cl && cl.intervention) body.push(h("p", { class: "muted" }, `Suggested: ${cl.intervention}`));
  body.push(caseLine(c, acts));
  li.replaceChildren(head, ...body.filter(Boolean));
  li.className = `call${acts.pinned ? " pinned" : ""} p-${priorityOf(c) || "none"}`;
  li.dataset.task = c.id;
  li.dataset.status = c.status;
  li.setAttribute("aria-label", `${priorityOf(c) || c.status} call ${c.id.slice(0, 8)}`);
}

// queue renders GET /audio/queue (and the case backlog from /metrics).
export function queue(st, casesPending) {
  const rows = Object.entries(st.queues).sort(([a], [b]) => a.localeCompare(b)).map(([name, q]) =>
    h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, String(q.pending)), h("td", {}, String(q.active)),
      h("td", {}, String(q.retry)), h("td", {}, q.pending ? `${Math.round(q.oldest_pending_seconds)} s` : "–")));
  const w = st.workers;
  return [
    h("p", { class: "workers" }, h("strong", {}, `${w.active} of ${w.concurrency}`), ` worker slots busy in ${w.processes} process${w.processes === 1 ? "" : "es"}`,
      casesPending != null ? ` · ${casesPending} case${casesPending === 1 ? "" : "s"} awaiting delivery` : ""),
    h("table", { class: "qt" }, h("caption", { class: "visually-hidden" }, "Queue depths"),
      h("thead", {}, h("tr", {}, ["Queue", "Waiting", "Running", "Retry", "Oldest"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows)),
  ];
}

const COLORS = { critical: "#b00020", high: "#c25400", medium: "#8a6d00", low: "#2e6b30" };

// chart draws per-day counts as stacked bars (SVG) with a table for screen
// readers and exact numbers.
export function chart(days) {
  const max = Math.max(1, ...days.map((d) => PRIORITIES.reduce((n, p) => n + d.counts[p], 0)));
  const W = 280, H = 80, bw = W / days.length;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H + 16}`);
  svg.setAttribute("role", "img");
  const total = days.reduce((n, d) => n + PRIORITIES.reduce((m, p) => m + d.counts[p], 0), 0);
  svg.setAttribute("aria-label", `${total} calls in the last ${days.length} days; numbers in the table below`);
  days.forEach((d, i) => {
    let y = H;
    for (const p of [...PRIORITIES].reverse()) {
      const n = d.counts[p];
      if (!n) continue;
      const hgt = (n / max) * (H - 4);
      y -= hgt;
      const r = document.createElementNS(ns, "rect");
      Object.entries({ x: i * bw + 4, y, width: bw - 8, height: hgt, fill: COLORS[p] }).forEach(([k, v]) => r.setAttribute(k, v));
      svg.append(r);
    }
    const t = document.createElementNS(ns, "text");
    Object.entries({ x: i * bw + bw / 2, y: H + 12, "text-anchor": "middle", "font-size": 9 }).forEach(([k, v]) => t.setAttribute(k, v));
    t.textContent = d.day.slice(5);
    svg.append(t);
  });
  const legend = h("p", { class: "legend" }, PRIORITIES.map((p) => h("span", {}, h("i", { style: null, class: `sw p-${p}` }), p)));
  const table = h("details", {}, h("summary", {}, "Numbers"),
    h("table", { class: "qt" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), PRIORITIES.map((p) => h("th", { scope: "col" }, p)))),
      h("tbody", {}, days.map((d) => h("tr", {}, h("th", { scope: "row" }, d.day), PRIORITIES.map((p) => h("td", {}, String(d.counts[p]))))))));
  return [svg, legend, table];
}
