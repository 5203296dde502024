// calls.js: the state of each call (task), built from task records and
// kept current by the task's events.

export const STAGES = [
  ["decode", "Decode"],
  ["transcribe", "Transcribe"],
  ["translate", "Translate"],
  ["classify", "Classify"],
  ["case", "Case"],
];

export const PRIORITIES = ["critical", "high", "medium", "low"];

export function rank(p) {
  const i = PRIORITIES.indexOf(p);
  return i < 0 ? -1 : PRIORITIES.length - i;
}

const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const FINAL_CASE = new Set(["created", "failed", "skipped"]);

export function terminal(c) { return TERMINAL.has(c.status); }

// settled: nothing more will happen to the call (its case too).
export function settled(c) {
  if (!terminal(c)) return false;
  const cs = c.result && c.result.case;
  return c.status !== "completed" || !cs || FINAL_CASE.has(cs.status);
}

function freshStages() {
  const s = {};
  for (const [k] of STAGES) s[k] = { state: "waiting", pct: null };
  return s;
}

// newCall is a call known only by its id (just uploaded).
export function newCall(id, extra = {}) {
  return { id, status: "queued", stage: "queued", seq: 0, stages: freshStages(), created: new Date(), ...extra };
}

function mark(c, upto, state) {
  for (const [k] of STAGES) {
    if (k === upto) break;
    if (c.stages[k].state !== "skipped") c.stages[k] = { state: "done", pct: 100 };
  }
  if (state) c.stages[upto] = state;
}

function caseStage(c) {
  const cs = c.result && c.result.case;
  const st = !cs ? "skipped" : cs.status === "created" ? "done" : cs.status === "failed" ? "failed"
    : cs.status === "skipped" ? "skipped" : "running";
  c.stages.case = { state: st, pct: st === "done" ? 100 : null };
}

// fromTask builds a call from a task record (GET /audio/task, /audio/tasks).
export function fromTask(t) {
  const c = newCall(t.task_id);
  c.status = t.status;
  c.stage = t.stage || "queued";
  c.created = new Date(t.created_at);
  c.finished = t.finished_at ? new Date(t.finished_at) : null;
  c.error = t.error || null;
  c.result = t.result || null;
  if (c.result) {
    mark(c, "case");
    if (c.result.translation == null) c.stages.translate = { state: "skipped", pct: null };
    c.classification = c.result.classification;
    caseStage(c);
  } else if (t.status === "processing" && c.stages[c.stage]) {
    mark(c, c.stage, { state: "running", pct: c.stage === "transcribe" ? t.progress : null });
  }
  return c;
}

// apply folds a task event into its call; it returns false for an event
// already applied (events are numbered per task).
export function apply(c, ev) {
  if (ev.type === "heartbeat" || ev.seq <= c.seq) return false;
  c.seq = ev.seq;
  const d = ev.data || {};
  switch (ev.type) {
    case "queued":
      c.status = "queued";
      break;
    case "started":
      c.status = "processing";
      c.stages = freshStages();
      c.stages.decode = { state: "running", pct: null };
      break;
    case "decoding_complete":
      mark(c, "transcribe", { state: "running", pct: 0 });
      break;
    case "transcription_progress":
      mark(c, "transcribe", { state: "running", pct: ev.progress ?? 0 });
      break;
    case "transcription_segment":
      c.partial = ((c.partial || "") + " " + (d.text || "")).trim();
      break;
    case "transcription_complete":
      c.partial = d.text;
      mark(c, "translate", { state: "running", pct: null });
      break;
    case "translation_complete":
      mark(c, "classify", { state: "running", pct: null });
      break;
    case "classification_complete":
      if (c.stages.translate.state === "running") c.stages.translate = { state: "skipped", pct: null };
      mark(c, "case", { state: "waiting", pct: null });
      c.classification = d;
      break;
    case "completed":
      c.status = "completed";
      c.result = d;
      c.classification = d.classification || c.classification;
      c.finished = new Date(ev.ts);
      mark(c, "case");
      if (d.translation == null) c.stages.translate = { state: "skipped", pct: null };
      caseStage(c);
      break;
    case "case_created":
      if (c.result) c.result.case = { ...(c.result.case || {}), ...d, status: "created" };
      c.stages.case = { state: "done", pct: 100 };
      break;
    case "case_failed":
      if (c.result) {
        c.result.case = { ...(c.result.case || {}), status: "failed", last_error: d.error && (d.error.message || d.error) };
        if (d.attempts) c.result.case.attempts = d.attempts;
      }
      c.stages.case = { state: "failed", pct: null };
      break;
    case "failed":
      c.status = d.status || "failed";
      c.error = d.error || null;
      c.finished = new Date(ev.ts);
      for (const [k] of STAGES) if (c.stages[k].state === "running") c.stages[k] = { state: "failed", pct: null };
      break;
  }
  return true;
}

export function priorityOf(c) { return (c.classification && c.classification.priority) || ""; }

// byPriority orders finished calls: higher priority first, then newest.
export function byPriority(a, b) {
  return rank(priorityOf(b)) - rank(priorityOf(a)) || (b.finished || b.created) - (a.finished || a.created);
}

// highlight splits text into [piece, evidence|null] runs, marking each
// evidence span found in it (case-insensitively).
export function highlight(text, evidence) {
  const spans = [];
  const lower = text.toLowerCase();
  for (const e of evidence || []) {
    const needle = (e.text || "").toLowerCase().trim();
    if (!needle) continue;
    let from = 0, i;
    while ((i = lower.indexOf(needle, from)) >= 0) {
      spans.push([i, i + needle.length, e]);
      from = i + needle.length;
    }
  }
  spans.sort((x, y) => x[0] - y[0] || y[1] - x[1]);
  const out = [];
  let at = 0;
  for (const [s, e, ev] of spans) {
    if (s < at) continue; // overlaps a span already marked
    if (s > at) out.push([text.slice(at, s), null]);
    out.push([text.slice(s, e), ev]);
    at = e;
  }
  if (at < text.length) out.push([text.slice(at), null]);
  return out;
}

// perDay counts classified calls by local day and priority, for the last
// days days (oldest first).
export function perDay(calls, days = 7, now = new Date()) {
  const key = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  const out = [];
  const idx = new Map();
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - i);
    const row = { day: key(d), counts: Object.fromEntries(PRIORITIES.map((p) => [p, 0])) };
    idx.set(row.day, row);
    out.push(row);
  }
  for (const c of calls) {
    const p = priorityOf(c);
    const row = idx.get(key(c.created));
    if (row && p in row.counts) row.counts[p]++;
  }
  return out;
}

// fromDaily lays the helpline's cases per UTC day and priority (GET
// /helpline/api/stats/daily) over the last days days, oldest first, in
// perDay's shape.
export function fromDaily(rows, days = 7, now = new Date()) {
  const out = [];
  const idx = new Map();
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - i));
    const row = { day: d.toISOString().slice(0, 10), counts: Object.fromEntries(PRIORITIES.map((p) => [p, 0])) };
    idx.set(row.day, row);
    out.push(row);
  }
  for (const r of rows) {
    const row = idx.get(r.date);
    if (row && r.priority in row.counts) row.counts[r.priority] += r.new_cases;
  }
  return out;
}
