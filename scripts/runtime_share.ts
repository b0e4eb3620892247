// One kind of work for a fixed time in one single-threaded tfjs-wasm runtime, printed as one JSON line (ops/s,
// GB/s, GFLOP/s, the CPU share the process used). bench/cores/run_runtime_share.sh runs each kind alone and two at
// once, to see what two runtimes side by side share on a machine (bench/README.md, "What two wasm runtimes share").
// Usage: node scripts/runtime_share.mjs <kind> [seconds]; kinds: matmulN (N×N), addN (N elements), chainN (four
// element-wise ops over N elements, as a norm or activation does), jsN (N iterations of plain JavaScript arithmetic).
import { initBackend } from '../src/core/runtime/backend.ts';
import { tf } from '../src/core/runtime/tf.ts';

interface Work { run(): void; bytes: number; flops: number }

const USAGE = 'usage: node scripts/runtime_share.mjs <matmulN | addN | chainN | jsN> [seconds]';

/** The kind's work on tensors made here (after the backend starts). */
function work(op: string, n: number): Work {
  if (op === 'matmul') {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    return { run: () => tf.matMul(a, b).dispose(), bytes: 3 * n * n * 4, flops: 2 * n ** 3 };
  }
  if (op === 'add') {
    const a = tf.randomNormal([n]);
    const b = tf.randomNormal([n]);
    return { run: () => tf.add(a, b).dispose(), bytes: 3 * n * 4, flops: n };
  }
  if (op === 'chain') {
    const a = tf.randomNormal([n]);
    return { run: () => tf.tidy(() => tf.mul(tf.exp(tf.mul(a, 0.5)), tf.add(a, 1))).dispose(), bytes: 8 * n * 4, flops: 4 * n };
  }
  return {
    run: () => {
      let x = 0;
      for (let i = 0; i < n; i++) x = (x * 1.0000001 + i) % 1e9;
      if (x < 0) throw new Error('unreachable');
    },
    bytes: 0, flops: n,
  };
}

const [kind, secondsArg] = process.argv.slice(2);
const parsed = /^(matmul|add|chain|js)(\d+)$/.exec(kind ?? '');
const seconds = Number(secondsArg ?? '5');
if (!parsed || !(seconds > 0)) {
  console.error(`${kind === undefined ? 'no kind given' : `unknown kind or seconds: ${kind} ${secondsArg ?? ''}`}\n${USAGE}`);
  process.exit(2);
}
await initBackend({ order: ['wasm'], threads: 1 });
const w = work(parsed[1], Number(parsed[2]));
for (let i = 0; i < 3; i++) w.run();
let count = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
while (performance.now() - t0 < seconds * 1000) {
  w.run();
  count++;
}
const s = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const r = (x: number): number => Number(x.toPrecision(4));
console.log(JSON.stringify({ kind, opsPerSec: r(count / s), gbPerSec: r((count * w.bytes) / s / 1e9), gflops: r((count * w.flops) / s / 1e9), cpuShare: r((cpu.user + cpu.system) / 1e6 / s) }));
