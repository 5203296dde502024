// app.js: the dashboard's wiring: sign-in, the calls' state, the WebSocket,
// uploads and actions.

import { call, storedKey, storeKey, forgetKey, openSocket, metric, ApiError } from "./api.js";
import { newCall, fromTask, apply, settled, terminal, priorityOf, byPriority, perDay, fromDaily } from "./calls.js";
import * as render from "./render.js";

const $ = (id) => document.getElementById(id);
const ACKED = "openchs-ai.acked";

const state = {
  may: {},
  calls: new Map(), // task id → call
  elems: new Map(), // task id → li
  dirty: new Set(),
  announced: new Set(),
  acked: new Set(JSON.parse(sessionStorage.getItem(ACKED) || "[]")),
  ws: null,
  subs: new Set(), // task ids followed one by one
  timers: [],
  retryMs: 500,
};

function setConn(text) { $("conn").textContent = text; }

// --- sign-in -------------------------------------------------------------

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const key = $("key").value.trim();
  storeKey(key);
  $("key").value = "";
  if (!(await start())) $("key").focus();
});

$("signout").addEventListener("click", () => {
  forgetKey();
  stop();
  location.reload();
});

// start signs in with the stored key; quiet, it only tries whether the
// service answers without one (authentication turned off).
async function start(quiet = false) {
  $("signin-error").textContent = "";
  let who;
  try {
    who = await call("GET", "/whoami");
  } catch (err) {
    if (quiet) return false;
    const refused = err instanceof ApiError && err.status === 401;
    if (refused) forgetKey();
    $("signin-error").textContent = refused ? "This key is not valid." : `Cannot sign in: ${err.message}`;
    return false;
  }
  state.may = who.may || {};
  $("signin").hidden = true;
  $("app").hidden = false;
  $("signout").hidden = false;
  $("who").textContent = `Key ${who.key_id || "(no authentication)"}: ${(who.scopes || ["admin"]).join(", ")}`;
  $("upload").hidden = !state.may.submit;
  mayRead() && (await loadRecent());
  connect();
  if (state.may.metrics) {
    refreshQueue();
    state.timers.push(setInterval(refreshQueue, 5000));
  }
  state.timers.push(setInterval(drawChart, 60000));
  drawChart();
  $("main").focus();
  return true;
}

function stop() {
  state.timers.forEach(clearInterval);
  if (state.ws) state.ws.onclose = null, state.ws.close();
}

const mayRead = () => state.may["read-own"] || state.may["read-all"];

// --- calls ---------------------------------------------------------------

async function loadRecent() {
  try {
    const { tasks } = await call("GET", "/audio/tasks?limit=100");
    for (const t of tasks) {
      if (!state.calls.has(t.task_id)) put(fromTask(t));
    }
  } catch (err) {
    setConn(`Recent calls unavailable: ${err.message}`);
  }
}

function put(c) {
  c.ui = c.ui || {};
  state.calls.set(c.id, c);
  touch(c);
  if (!settled(c)) follow(c);
}

function touch(c) {
  state.dirty.add(c.id);
  if (state.dirty.size === 1) requestAnimationFrame(flush);
}

const pinned = (c) => priorityOf(c) === "critical" && !state.acked.has(c.id);

function flush() {
  const acts = (c) => ({
    pinned: pinned(c), mayCancel: state.may.submit && mayRead(), mayRead: mayRead(),
    cancel, retry, ack,
  });
  const focus = document.activeElement;
  const focusTask = focus && focus.closest && focus.closest("li.call") && focus.closest("li.call").dataset.task;
  const focusAction = focus && focus.dataset && focus.dataset.action;
  for (const id of state.dirty) {
    const c = state.calls.get(id);
    let li = state.elems.get(id);
    if (!c) { li && li.remove(); state.elems.delete(id); continue; }
    if (!li) state.elems.set(id, (li = render.h("li")));
    render.row(li, c, acts(c));
    if (pinned(c) && !state.announced.has(id)) {
      state.announced.add(id);
      const cl = c.classification || {};
      $("alert").textContent = `New critical call: ${String(cl.sub_category || cl.category || "").replace(/_/g, " ")}, call ${id.slice(0, 8)}.`;
    }
  }
  state.dirty.clear();
  const all = [...state.calls.values()];
  place("critical-list", all.filter(pinned).sort(byPriority));
  place("running-list", all.filter((c) => !pinned(c) && !terminal(c)).sort((a, b) => a.created - b.created));
  place("done-list", all.filter((c) => !pinned(c) && terminal(c)).sort(byPriority));
  $("critical").hidden = !$("critical-list").children.length;
  $("running-empty").hidden = !!$("running-list").children.length;
  $("done-empty").hidden = !!$("done-list").children.length;
  if (focusTask && focus !== document.activeElement) {
    const li = state.elems.get(focusTask);
    const again = li && (li.querySelector(`[data-action="${focusAction}"]`) || li.querySelector("button, summary, a"));
    if (again) again.focus();
  }
}

// place puts the calls' rows in list, in order, moving only what moved.
function place(listId, calls) {
  const list = $(listId);
  calls.forEach((c, i) => {
    const li = state.elems.get(c.id);
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
  });
  while (list.children.length > calls.length) list.lastElementChild.remove();
}

function onEvent(ev) {
  let c = state.calls.get(ev.task_id);
  if (!c) {
    if (ev.type === "heartbeat") return;
    c = newCall(ev.task_id);
    c.ui = {};
    state.calls.set(c.id, c);
    if (ev.type !== "queued") adopt(c); // a task already under way: read its record
  }
  if (!apply(c, ev)) return;
  touch(c);
  if (ev.type === "completed" && !settled(c) && state.subs.has(c.id)) {
    // A task's own stream ends at completed: follow its case from there.
    send({ unsubscribe: c.id });
    send({ subscribe: c.id, after: ev.seq });
  }
  if (settled(c) && state.subs.has(c.id)) unfollow(c);
  if (["completed", "failed", "case_created"].includes(ev.type)) drawChart();
  if (["queued", "started", "completed", "failed", "case_created", "case_failed"].includes(ev.type)) soonQueue();
}

// soonQueue refreshes the queue panel shortly after a task moved.
function soonQueue() {
  if (!state.may.metrics || state.queueSoon) return;
  state.queueSoon = setTimeout(() => { state.queueSoon = null; refreshQueue(); }, 300);
}

// adopt replaces call c, first heard of mid-way, by its task's record.
async function adopt(c) {
  try {
    const fresh = fromTask(await call("GET", `/audio/task/${c.id}`));
    fresh.seq = c.seq;
    fresh.ui = c.ui;
    fresh.title = c.title;
    state.calls.set(c.id, fresh);
    touch(fresh);
  } catch {
    // gone meanwhile, or not readable: the events alone describe it
  }
}

// follow subscribes to one task when the feed of all tasks is not enough
// (a read-own key) or may have missed its start (loaded from history).
function follow(c) {
  if (state.subs.has(c.id) || state.subs.size >= 90) return;
  state.subs.add(c.id);
  send({ subscribe: c.id, after: c.seq });
}

function unfollow(c) {
  state.subs.delete(c.id);
  send({ unsubscribe: c.id });
}

// --- WebSocket -----------------------------------------------------------

function send(m) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(m));
}

function connect() {
  setConn("Connecting…");
  const ws = (state.ws = openSocket());
  ws.onopen = () => {
    state.retryMs = 500;
    setConn("Live");
    if (state.may["read-all"]) ws.send(JSON.stringify({ subscribe: "*" }));
    for (const id of state.subs) {
      const c = state.calls.get(id);
      ws.send(JSON.stringify({ subscribe: id, after: c ? c.seq : 0 }));
    }
  };
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.error) {
      if (msg.task_id && msg.task_id !== "*") state.subs.delete(msg.task_id);
      return;
    }
    onEvent(msg);
  };
  ws.onclose = () => {
    setConn(`Disconnected; reconnecting in ${Math.round(state.retryMs / 1000)} s`);
    setTimeout(connect, state.retryMs);
    state.retryMs = Math.min(state.retryMs * 2, 15000);
  };
}

// --- actions -------------------------------------------------------------

async function cancel(c) {
  try {
    const t = await call("DELETE", `/audio/task/${c.id}`);
    if (t.status) c.status = t.status;
    touch(c);
  } catch (err) {
    flash(`Cancel failed: ${err.message}`);
  }
}

async function retry(c) {
  try {
    const t = await call("POST", `/audio/task/${c.id}/case`);
    const fresh = fromTask(t);
    fresh.seq = c.seq;
    fresh.ui = c.ui;
    state.calls.set(c.id, fresh);
    touch(fresh);
    state.subs.delete(c.id);
    send({ unsubscribe: c.id });
    follow(fresh);
    // The case can be written before the new subscription starts; read
    // the record again shortly, so the delivery's outcome is not missed.
    setTimeout(() => adopt(state.calls.get(c.id) || fresh), 1500);
  } catch (err) {
    flash(`Retry failed: ${err.message}`);
  }
}

function ack(c) {
  state.acked.add(c.id);
  sessionStorage.setItem(ACKED, JSON.stringify([...state.acked]));
  touch(c);
}

function flash(text) { $("alert").textContent = text; }

// --- upload --------------------------------------------------------------

const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer.files.length) {
    $("audio").files = e.dataTransfer.files;
    showFile();
  }
});
$("audio").addEventListener("change", showFile);
function showFile() {
  const f = $("audio").files[0];
  $("drop-file").textContent = f ? `Selected: ${f.name} (${Math.round(f.size / 1024)} KiB)` : "";
}

$("upload-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = $("audio").files[0];
  if (!f) return;
  const form = new FormData();
  form.append("audio", f, f.name);
  form.append("background", "true");
  for (const k of ["language", "title", "reporter_phone", "reporter_email"]) {
    const v = $(k).value.trim();
    if (v) form.append(k, v);
  }
  form.append("create_case", $("create_case").checked ? "true" : "false");
  const status = $("upload-status");
  status.textContent = `Uploading ${f.name}…`;
  try {
    const t = await call("POST", "/audio/process", form);
    status.textContent = `Queued ${f.name} as call ${t.task_id.slice(0, 8)}.`;
    const title = $("title").value.trim() || f.name;
    const known = state.calls.get(t.task_id); // its first events may have come first
    if (!known) put(newCall(t.task_id, { title }));
    else if (!settled(known)) known.title = known.title || title, touch(known), follow(known);
    $("upload-form").reset();
    showFile();
  } catch (err) {
    status.textContent = `Upload refused: ${err.message}`;
  }
});

// --- queue and chart -----------------------------------------------------

async function refreshQueue() {
  try {
    const [st, m] = await Promise.all([call("GET", "/audio/queue"), call("GET", "/metrics").catch(() => "")]);
    $("queue-body").replaceChildren(...render.queue(st, metric(m, "openchs_ai_case_deliveries_pending")));
  } catch (err) {
    $("queue-body").textContent = `Queue unavailable: ${err.message}`;
  }
}

// drawChart counts the cases the helpline's case store holds
// (fact_case_daily, for a key with the cases scope) when it holds any in
// the window, and otherwise the calls this page knows of (a service
// writing its cases to another OpenCHS has none in its own store).
async function drawChart() {
  let days = null;
  if (state.may.cases) {
    try {
      const daily = await call("GET", "/helpline/api/stats/daily?days=7");
      if (daily.days.length > 0) days = fromDaily(daily.days, 7);
    } catch {
      // the page's own count below
    }
  }
  $("chart-source").textContent = days
    ? "Cases opened per day, from the helpline's case store."
    : "Calls triaged per day, from the recent calls this page holds.";
  $("chart-body").replaceChildren(...render.chart(days || perDay([...state.calls.values()])));
}

if (storedKey()) start();
else start(true).then((ok) => ok || $("key").focus());
