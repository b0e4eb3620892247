# The numpy counterpart of scripts/runtime_share.ts (one kind of work for a fixed time, one JSON line), run by
# bench/cores/run_runtime_share.sh with OPENBLAS_NUM_THREADS=1: kinds matmulN, addN. Usage: python3 runtime_share.py <kind> <seconds>
import json, re, sys, time
import numpy as np
kind, secs = sys.argv[1], float(sys.argv[2])
m = re.fullmatch(r'(matmul|add)(\d+)', kind)
if not m: sys.exit(f'unknown kind {kind}: matmulN or addN')
k, n = m.group(1), int(m.group(2))
rng = np.random.default_rng(0)
if k == 'matmul':
    a = rng.standard_normal((n, n), dtype=np.float32); b = rng.standard_normal((n, n), dtype=np.float32); c = np.empty_like(a)
    f = lambda: np.matmul(a, b, out=c); flops = 2 * n ** 3; byts = 12 * n * n
else:
    a = rng.standard_normal(n, dtype=np.float32); b = rng.standard_normal(n, dtype=np.float32); c = np.empty_like(a)
    f = lambda: np.add(a, b, out=c); flops = n; byts = 12 * n
for _ in range(3): f()
cnt = 0; t0 = time.perf_counter(); c0 = time.process_time()
while time.perf_counter() - t0 < secs: f(); cnt += 1
dt = time.perf_counter() - t0
print(json.dumps({'kind': 'np-' + kind, 'opsPerSec': cnt / dt, 'gbPerSec': cnt * byts / dt / 1e9, 'gflops': cnt * flops / dt / 1e9, 'cpuShare': (time.process_time() - c0) / dt}))
