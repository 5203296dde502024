// The dashboard in headless Chromium, as a supervisor uses it:
//   node dashboard.js BASE_URL ADMIN_KEY READER_KEY CRITICAL_WAV LOW_WAV SHOT_DIR
// signs in, uploads a critical call through the page's file input and a low
// one by drag and drop, watches the progress bars, the pinned critical call
// with its evidence and case, acknowledges it, then signs in with a
// read-only key. It prints "screenshot: PATH" per screenshot and one
// "metrics: {...}" line (page weight and time to first render), and exits
// non-zero on the first failed check.
"use strict";
const { chromium } = require("playwright-core");
const fs = require("fs");
const path = require("path");

const [base, adminKey, readerKey, criticalWav, lowWav, shots] = process.argv.slice(2);
const TIMEOUT = 180000;

function check(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
  console.log("ok: " + what);
}

async function shot(page, name) {
  const p = path.join(shots, name + ".png");
  await page.screenshot({ path: p, fullPage: true });
  console.log("screenshot: " + p);
}

// signIn opens the page in a fresh context and signs in with key; every
// request and WebSocket URL is kept to check the key never appears in one.
async function signIn(browser, key, urls) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await ctx.newPage();
  page.on("request", (r) => urls.push(r.url()));
  page.on("websocket", (ws) => urls.push(ws.url()));
  page.on("pageerror", (e) => { console.log("page error: " + e.message); process.exitCode = 1; });
  await page.goto(base + "/");
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#app").waitFor({ state: "visible" });
  await page.waitForFunction(() => document.getElementById("conn").textContent === "Live");
  return { ctx, page };
}

// measure loads url cold (a new context: nothing cached) and reports the
// bytes transferred and the first contentful paint.
async function measure(browser, url) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await ctx.newPage();
  await page.goto(url, { waitUntil: "load" });
  const m = await page.evaluate(() => new Promise((resolve) => {
    const done = () => {
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      if (!fcp) return false;
      const nav = performance.getEntriesByType("navigation")[0];
      const res = performance.getEntriesByType("resource");
      resolve({
        transferred_bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
        decoded_bytes: nav.decodedBodySize + res.reduce((n, r) => n + r.decodedBodySize, 0),
        requests: 1 + res.length,
        first_contentful_paint_ms: Math.round(fcp.startTime),
        load_ms: Math.round(nav.loadEventEnd),
      });
      return true;
    };
    if (!done()) new PerformanceObserver(() => done()).observe({ type: "paint", buffered: true });
  }));
  await ctx.close();
  return m;
}

// pageMetrics measures the dashboard's first render against a one-line page
// in the same browser (median of three cold loads each, after a warm-up).
async function pageMetrics(browser) {
  const reference = "data:text/html,<!doctype html><title>x</title><h1>Call triage</h1>";
  await measure(browser, base + "/");
  const runs = [], refs = [];
  for (let i = 0; i < 3; i++) {
    runs.push(await measure(browser, base + "/"));
    refs.push(await measure(browser, reference));
  }
  const median = (xs, k) => xs.map((r) => r[k]).sort((a, b) => a - b)[1];
  const fcp = median(runs, "first_contentful_paint_ms"), ref = median(refs, "first_contentful_paint_ms");
  return { ...runs[1], first_contentful_paint_ms: fcp, load_ms: median(runs, "load_ms"),
    reference_page_fcp_ms: ref, fcp_ratio_to_reference: Math.round((fcp / ref) * 100) / 100,
    fcp_runs_ms: runs.map((r) => r.first_contentful_paint_ms) };
}

// watchBars records, in the page, every state and value the stage bars of
// each call show, sampled every 10 ms.
async function watchBars(page) {
  await page.evaluate(() => {
    window.seenBars = {};
    setInterval(() => {
      for (const p of document.querySelectorAll("li.call progress")) {
        const k = p.closest("li.call").dataset.task + " " + p.dataset.stage;
        const v = p.dataset.state + ":" + (p.hasAttribute("value") ? p.value : "indeterminate");
        const seen = (window.seenBars[k] = window.seenBars[k] || []);
        if (seen[seen.length - 1] !== v) seen.push(v);
      }
    }, 10);
  });
}

(async () => {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  try {
    const metrics = await pageMetrics(browser);
    const urls = [];

    // --- a key with every scope -------------------------------------
    const { ctx, page } = await signIn(browser, adminKey, urls);
    check(await page.evaluate(() => sessionStorage.getItem("openchs-ai.key")) !== null, "the key is kept in session storage");
    check(await page.locator("#upload").isVisible(), "a key with the submit scope sees the upload form");
    await page.locator("#queue-body table").waitFor();
    check(/worker slots busy/.test(await page.locator("#queue-body").innerText()), "the queue panel shows the worker slots");
    const unlabelled = await page.locator("input, select, button, progress").evaluateAll((els) => els
      .filter((e) => e.offsetParent !== null && !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.textContent.trim())
      .map((e) => e.outerHTML));
    check(unlabelled.length === 0, `every visible control has a label ${JSON.stringify(unlabelled)}`);
    await page.locator(".skip").focus();
    await page.keyboard.press("Enter");
    check(await page.evaluate(() => document.activeElement.id === "main"), "the skip link takes the keyboard to the calls");
    await shot(page, "01-signed-in");
    await watchBars(page);

    // A critical call through the page's own file input, with the case fields.
    await page.getByLabel(/Recording/).setInputFiles(criticalWav);
    await page.getByLabel("Language").selectOption("en");
    await page.getByLabel("Case title").fill("Dashboard test call");
    await page.getByLabel("Reporter phone").fill("+254700999888");
    await page.getByRole("button", { name: "Upload" }).click();
    const queued = page.locator("#upload-status", { hasText: "Queued" });
    await queued.waitFor({ timeout: 30000 });
    const shortId = (await queued.innerText()).match(/call ([0-9a-f]{8})/)[1];
    const row = page.locator(`li.call[data-task^="${shortId}"]`);
    await row.locator("progress").first().waitFor({ timeout: 30000 });
    await shot(page, "02-in-progress");

    const pinned = page.locator(`#critical-list li.call[data-task^="${shortId}"][data-status="completed"]`);
    await pinned.waitFor({ timeout: TIMEOUT });
    const taskId = await pinned.getAttribute("data-task");
    check((await pinned.locator(".badge").getAttribute("data-priority")) === "critical", "the call is triaged critical");
    check(await page.locator("#critical").isVisible(), "the critical call is pinned above the others");
    const marks = await pinned.locator(".transcript mark").allInnerTexts();
    check(marks.length > 0, `its evidence is highlighted in the transcript: ${JSON.stringify(marks)}`);
    check(/critical/i.test(await page.locator("#alert").innerText()), "a screen reader hears of the new critical call (aria-live)");
    const delivered = pinned.locator('[data-delivery="created"]');
    await delivered.waitFor({ timeout: 60000 });
    const caseLink = await pinned.locator(".case a").innerText();
    check(/^[A-Z]+-\d+/.test(caseLink), `its case number is shown, linked: ${caseLink}`);

    const bars = await page.evaluate((id) => window.seenBars[id + " transcribe"] || [], taskId);
    console.log("transcribe bar: " + bars.join(" → "));
    const values = bars.map((b) => b.split(":")[1]).filter((v) => v !== "indeterminate").map(Number);
    check(values.length >= 2 && values[0] < 100 && values[values.length - 1] > values[0] &&
      values.every((v, i) => i === 0 || v >= values[i - 1]), "its transcription progress bar moved forward");
    const decode = await page.evaluate((id) => window.seenBars[id + " decode"] || [], taskId);
    console.log("decode bar: " + decode.join(" → "));
    await shot(page, "03-critical-pinned");

    // A low call by drag and drop onto the drop zone.
    const bytes = fs.readFileSync(lowWav).toString("base64");
    const dt = await page.evaluateHandle((b64) => {
      const bin = atob(b64);
      const buf = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
      const d = new DataTransfer();
      d.items.add(new File([buf], "low-call.wav", { type: "audio/wav" }));
      return d;
    }, bytes);
    await page.dispatchEvent("#drop", "dragover", { dataTransfer: dt });
    await page.dispatchEvent("#drop", "drop", { dataTransfer: dt });
    check(/low-call\.wav/.test(await page.locator("#drop-file").innerText()), "a dropped file is taken for upload");
    await page.getByLabel("Language").selectOption("en");
    await page.getByRole("button", { name: "Upload" }).click();
    const queued2 = page.locator("#upload-status", { hasText: /Queued low-call\.wav/ });
    await queued2.waitFor({ timeout: 30000 });
    const lowId = (await queued2.innerText()).match(/call ([0-9a-f]{8})/)[1];
    const lowRow = page.locator(`#done-list li.call[data-task^="${lowId}"][data-status="completed"]`);
    await lowRow.waitFor({ timeout: TIMEOUT });
    const lowPriority = await lowRow.locator(".badge").getAttribute("data-priority");
    check(lowPriority === "low" || lowPriority === "medium", `the dropped call is triaged ${lowPriority}`);
    check((await page.locator("#critical-list li.call").count()) === 1, "the critical call stays pinned until acknowledged");

    // The helpline refused the dropped call's case: retry it from the page.
    const failed = lowRow.locator('[data-delivery="failed"]');
    await failed.waitFor({ timeout: 60000 });
    check(/refused/.test(await lowRow.locator(".case").innerText()), "a refused case shows the helpline's reason");
    await shot(page, "04-delivery-failed");
    await lowRow.getByRole("button", { name: "Retry delivery" }).click();
    await lowRow.locator('[data-delivery="created"]').waitFor({ timeout: 60000 });
    check(/^[A-Z]+-\d+/.test(await lowRow.locator(".case a").innerText()), "Retry delivery wrote the case");

    // Acknowledge with the keyboard: the call joins the finished list, first.
    await pinned.getByRole("button", { name: "Acknowledge" }).focus();
    await page.keyboard.press("Enter");
    await page.locator("#critical").waitFor({ state: "hidden" });
    const order = await page.locator("#done-list li.call").evaluateAll((ls) => ls.map((l) => l.dataset.task));
    check(order[0] === taskId && order.includes(await lowRow.getAttribute("data-task")),
      "once acknowledged, the critical call heads the finished calls (priority, then time)");
    await page.locator("#chart-body svg rect").first().waitFor();
    await shot(page, "05-acknowledged");
    await ctx.close();

    // --- a read-only key ----------------------------------------------
    const ro = await signIn(browser, readerKey, urls);
    check(!(await ro.page.locator("#upload").isVisible()), "a read-only key sees no upload form");
    check((await ro.page.locator('input[type="file"]:visible').count()) === 0, "a read-only key sees no file input");
    await ro.page.locator(`li.call[data-task="${taskId}"]`).waitFor({ timeout: 30000 });
    check((await ro.page.locator('button[data-action="cancel"]').count()) === 0, "a read-only key sees no cancel control");
    check((await ro.page.locator(`#critical-list li.call[data-task="${taskId}"]`).count()) === 1,
      "a read-only key sees the recent critical call pinned (from history)");
    await shot(ro.page, "06-read-only");
    check(/recent calls/.test(await ro.page.locator("#chart-source").innerText()),
      "a key without the cases scope charts the recent calls");
    await ro.ctx.close();

    // --- the chart from the case store ---------------------------------
    // This service writes its cases to another OpenCHS, so its own store
    // was empty and the chart counted recent calls; a case in its store
    // makes the chart count the store's cases per day.
    const made = await fetch(base + "/helpline/api/cases", {
      method: "POST", headers: { "X-API-Key": adminKey, "Content-Type": "application/json" },
      body: JSON.stringify({ title: "Chart check", description: "A case written straight to the store",
        category: "abuse", priority: "critical" }),
    });
    check(made.status === 201, "a case is written to the service's own case store");
    const st = await signIn(browser, adminKey, urls);
    await st.page.locator("#chart-source", { hasText: "case store" }).waitFor({ timeout: 15000 });
    const table = await st.page.locator("#chart-body").innerText();
    check(/case store/.test(await st.page.locator("#chart-source").innerText()) && table.length > 0,
      "with cases in its store, the chart counts the helpline's cases per day (fact_case_daily)");
    await shot(st.page, "07-chart-from-store");
    await st.ctx.close();

    for (const k of [adminKey, readerKey]) {
      check(!urls.some((u) => u.includes(k) || u.includes(encodeURIComponent(k))), "no URL the page requested holds the key");
    }
    check(urls.some((u) => u.startsWith("ws")), "the page followed events over the WebSocket");
    console.log("task: " + taskId);
    console.log("metrics: " + JSON.stringify(metrics));
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
