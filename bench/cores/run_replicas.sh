#!/bin/bash
# Issue #14's scaling check on a machine with many cores (bench/README.md, "Replicas on 16 cores"): 1, 2, 4 and 8
# data-parallel replicas (`ttpa bench --replicas-child N`) against 2, 4 and 8 independent one-replica processes at
# once, alternated over three rounds; one JSON line per process into $OUT/runs.jsonl.
# Run from the repository root with `OUT=dir bash bench/cores/run_replicas.sh` where Node and node_modules exist.
# On a machine without npm access, put a Node binary and the runtime node_modules in .kit/ (bench/cores/kit.sh).
cd "$(dirname "$0")/../.."
t0=$(date +%s)
. bench/cores/kit.sh
echo "unpacked in $(( $(date +%s) - t0 )) s"; node --version; nproc; lscpu | grep -E "Model name|Thread|Core|Socket|NUMA node|MHz|L3"; uptime
R="node bin/ttpa.mjs bench"
one() { $R --$1-child $2 2>/dev/null | tail -1 | sed "s/^{/{\"tag\":\"$3\",\"round\":$4,/" >> $OUT/runs.jsonl; }
par() { # N independent one-replica processes at once
  for i in $(seq 1 $1); do ( $R --replicas-child 1 2>/dev/null | tail -1 | sed "s/^{/{\"tag\":\"indep$1\",\"proc\":$i,\"round\":$2,/" >> $OUT/runs.jsonl ) & done; wait; }
for round in 1 2 3; do
  one replicas 1 r1 $round; one replicas 2 r2 $round; par 2 $round; one replicas 4 r4 $round; par 4 $round
  echo "round $round done at $(( $(date +%s) - t0 )) s"; uptime
done
one replicas 8 r8 4; par 8 4
echo "all done at $(( $(date +%s) - t0 )) s"
cat $OUT/runs.jsonl | cut -c1-160
