#!/bin/bash
# Issue #14's `ttpa pipeline --jobs` check on a machine with many cores (bench/README.md, "`ttpa pipeline --jobs` on
# 16 cores"): the bench's built-in loop (tiny, 2 rounds of 8 prompts, ttpa and control) at --jobs 1 and 2 over three
# alternated rounds, then the tiny preset with data.n 120 as a 4-arm loop (2 rounds of 32 prompts) at --jobs 1, 2, 4,
# 4, 2; each run from scratch, one JSON line per run into $OUT/runs.jsonl (wall time, the arms' error rates).
# Run from the repository root with `OUT=dir bash bench/cores/run_pipeline_jobs.sh` where Node and node_modules exist
# (or with .kit/, bench/cores/kit.sh). The device ran it as two scripts.
cd "$(dirname "$0")/../.."
t0=$(date +%s)
. bench/cores/kit.sh
python3 - <<'PY'
import json
t = json.load(open('models/presets/tiny.json'))
t.update({'name': 'bench-loop', 'loop': {'rounds': 2, 'promptsPerRound': 8, 'valLimit': 4, 'arms': ['ttpa', 'control']}})
json.dump(t, open('/tmp/bench-loop.json', 'w'), indent=2)
t['data']['n'] = 120
t.update({'name': 'bench-loop4', 'loop': {'rounds': 2, 'promptsPerRound': 32, 'valLimit': 8, 'arms': ['ttpa', 'control', 'sft-continued', 'sequence']}})
json.dump(t, open('/tmp/bench-loop4.json', 'w'), indent=2)
PY
echo "ready in $(( $(date +%s) - t0 )) s"; node --version; nproc; lscpu | grep -E "Model name|Core|Socket"; uptime
run() { # preset jobs tag timeout
  local s=$(date +%s.%N) dir=/tmp/pipeline-jobs/$3
  timeout $4 node bin/ttpa.mjs pipeline --preset /tmp/$1.json --out $dir --jobs $2 > $OUT/$3.log 2>&1; local rc=$?
  local e=$(date +%s.%N)
  local arms=$(python3 -c "import json; r=json.load(open('$dir/report.json')); print(json.dumps({a: round(x['errorRate'], 4) for a, x in r['arms'].items()}))" 2>/dev/null)
  echo "{\"tag\":\"$3\",\"preset\":\"$1\",\"jobs\":$2,\"rc\":$rc,\"wallSec\":$(python3 -c "print(round($e - $s, 2))"),\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\",\"arms\":${arms:-null}}" | tee -a $OUT/runs.jsonl
}
for r in 1 2 3; do
  if [ $r = 2 ]; then run bench-loop 2 tiny-j2-r$r 200; run bench-loop 1 tiny-j1-r$r 200
  else run bench-loop 1 tiny-j1-r$r 200; run bench-loop 2 tiny-j2-r$r 200; fi
done
run bench-loop4 1 a-j1 150; run bench-loop4 2 a-j2 100; run bench-loop4 4 a-j4 80
run bench-loop4 4 b-j4 70; run bench-loop4 2 b-j2 80
echo "all done at $(( $(date +%s) - t0 )) s"
