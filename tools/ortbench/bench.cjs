// Runs ONNX Runtime (onnxruntime-node, CPU execution provider) on the
// SigLIP 2 vision towers tools/ortbench writes.
//
//   node bench.cjs --serve
//       reads one JSON request per line on stdin and answers one JSON line
//       on stdout; `siglip2-tui bench --vs-ort` drives it this way so that
//       ONNX Runtime and our engine take turns in one run:
//         {"op":"load","id":"a","path":"m.onnx","shape":[1,3,224,224],"threads":2}
//         {"op":"time","id":"a","runs":5}          → {"times":[seconds, ...]}
//         {"op":"run","id":"a","input":"x.f32","out":"dir"}
//              → each output written as raw little-endian float32 to dir/NAME.f32
//         {"op":"free","id":"a"}, {"op":"quit"}
//   node bench.cjs DIR [threads] [runs]
//       times every DIR/*-RES.onnx (input pixel_values, 1×3×RES×RES).
//
// onnxruntime-node comes from NODE_PATH (scripts/bench-vs-ort installs
// onnxruntime-node@1.30.0 with npm --ignore-scripts: the CPU binaries ship
// in the package; its install script only fetches CUDA ones).
const ort = require("onnxruntime-node");
const fs = require("fs");
const path = require("path");
const readline = require("readline");

async function open(file, threads) {
  return ort.InferenceSession.create(file, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
}

function randomFeeds(session, shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.random() * 2 - 1;
  return { [session.inputNames[0]]: new ort.Tensor("float32", data, shape) };
}

async function timeRuns(session, feeds, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return times;
}

async function serve() {
  const sessions = new Map();
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  const reply = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
  for await (const line of rl) {
    if (!line.trim()) continue;
    let req;
    try {
      req = JSON.parse(line);
      if (req.op === "quit") {
        for (const s of sessions.values()) await s.session.release();
        reply({ ok: true });
        process.exit(0);
      }
      if (req.op === "load") {
        const t = process.hrtime.bigint();
        const session = await open(req.path, req.threads || 2);
        const feeds = randomFeeds(session, req.shape);
        await session.run(feeds); // first run: allocations, prepacking
        sessions.set(req.id, { session, feeds, shape: req.shape });
        reply({ ok: true, seconds: Number(process.hrtime.bigint() - t) / 1e9, version: ort.env.versions.common });
      } else if (req.op === "time") {
        const s = sessions.get(req.id);
        reply({ times: await timeRuns(s.session, s.feeds, req.runs || 5) });
      } else if (req.op === "run") {
        const s = sessions.get(req.id);
        const buf = fs.readFileSync(req.input);
        const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
        const out = await s.session.run({ [s.session.inputNames[0]]: new ort.Tensor("float32", data, s.shape) });
        const files = {};
        for (const [name, t] of Object.entries(out)) {
          files[name] = path.join(req.out, name + ".f32");
          fs.writeFileSync(files[name], Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
        }
        reply({ outputs: files });
      } else if (req.op === "free") {
        const s = sessions.get(req.id);
        if (s) await s.session.release();
        sessions.delete(req.id);
        reply({ ok: true });
      } else {
        reply({ error: "unknown op " + req.op });
      }
    } catch (e) {
      reply({ error: String(e && e.message || e) });
    }
  }
  process.exit(0); // stdin closed
}

async function timeDir(dir, threads, runs) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".onnx")).sort();
  for (const f of files) {
    const res = Number(f.match(/(\d+)\.onnx$/)[1]);
    const session = await open(path.join(dir, f), threads);
    const feeds = randomFeeds(session, [1, 3, res, res]);
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const times = (await timeRuns(session, feeds, runs)).sort((a, b) => a - b);
    console.log(`ORT ${ort.env.versions.common} ${f} threads=${threads}: median ${times[runs >> 1].toFixed(3)} s (min ${times[0].toFixed(3)})`);
    await session.release();
  }
}

if (process.argv[2] === "--serve") {
  serve();
} else {
  timeDir(process.argv[2], Number(process.argv[3] || 2), Number(process.argv[4] || 10));
}
