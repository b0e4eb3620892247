#!/bin/bash
# What two single-threaded tfjs-wasm runtimes share on a machine (bench/README.md, "What two wasm runtimes share"):
# each kind of work alone, then two processes of it at once, alternated twice; then the bench's real SFT steps
# (`ttpa bench --replicas-child 1`) alone and two at once, three times; then 1 and 2 data-parallel replicas
# alternated three times. One line per process: "<tag> <json>". Needs a quiet machine (nothing else running).
# Run from the repository root: bash bench/cores/run_runtime_share.sh > share.log
cd "$(dirname "$0")/../.."
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
one() {
  if [[ $1 == np-* ]]; then OPENBLAS_NUM_THREADS=1 python3 bench/cores/runtime_share.py "${1#np-}" 5
  else node scripts/runtime_share.mjs "$1" 5; fi
}
pair() { # two processes of the same work at once, each line tagged
  local a b; a=$(mktemp); b=$(mktemp)
  "$@" > "$a" & "$@" > "$b"; wait
  echo "pairA $(tail -1 "$a")"; echo "pairB $(tail -1 "$b")"; rm -f "$a" "$b"
}
for k in matmul128 matmul512 add16384 add16777216 chain16384 chain16777216 js2000000 np-matmul512 np-add16384 np-add16777216; do
  for rep in 1 2; do echo "alone $(one $k)"; pair one $k; done
done
sft() { node bin/ttpa.mjs bench --replicas-child "$1" 2>/dev/null | tail -1; }
for rep in 1 2 3; do echo "sft-alone $(sft 1)"; pair sft 1 | sed 's/^pair/sft-pair/'; done
for rep in 1 2 3; do for n in 1 2; do echo "replicas-$n $(sft $n)"; done; done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
