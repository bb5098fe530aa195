// Times ONNX Runtime (onnxruntime-node, CPU) on the models export_vision.py
// wrote: the median of N runs after warm-up, with the given thread count.
//
//   npm install --prefix /tmp/ort onnxruntime-node@1.30.0
//   NODE_PATH=/tmp/ort/node_modules node tools/ortbench/bench.cjs OUTDIR [threads] [runs]
const ort = require("onnxruntime-node");
const fs = require("fs");
const path = require("path");

async function main() {
  const dir = process.argv[2];
  const threads = Number(process.argv[3] || 2);
  const runs = Number(process.argv[4] || 10);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".onnx")).sort();
  for (const f of files) {
    const res = Number(f.match(/(\d+)\.onnx$/)[1]);
    const session = await ort.InferenceSession.create(path.join(dir, f), {
      intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: "all",
      executionMode: "sequential",
    });
    const data = new Float32Array(3 * res * res).map(() => Math.random() * 2 - 1);
    const feeds = { pixel_values: new ort.Tensor("float32", data, [1, 3, res, res]) };
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t = process.hrtime.bigint();
      await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    times.sort((a, b) => a - b);
    console.log(`ORT ${ort.env.versions.common} base@${res} threads=${threads}: median ${times[runs >> 1].toFixed(3)} s (min ${times[0].toFixed(3)})`);
  }
}
main();
