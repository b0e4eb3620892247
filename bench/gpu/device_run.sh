# One device call (a lent GPU machine, `run` tool): the `--gpu` bench's real-size checkpoints (scale section)
# first, then the rest of the bench, then the kernel-issue probe, each with its own time limit so one slow
# step still leaves the others' files. From the repository root: `bash bench/gpu/device_run.sh [--quick]`.
# Carries: .gl (Vulkan/EGL loaders, bench/README.md "WebGPU in Node") and .kit (Node + node_modules, bench/cores/kit.sh).
set -u
OUT=${OUT:-/tmp/device-out}; mkdir -p "$OUT"
end=$((SECONDS + ${BUDGET_S:-540}))
left() { echo $((end - SECONDS)); }
if [ -d .gl ] && [ -z "${NO_KIT:-}" ]; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
[ -z "${NO_KIT:-}" ] && . bench/cores/kit.sh
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f $icd ] && export VK_DRIVER_FILES=$icd __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
{ date -u; node -v; nvidia-smi -L 2>&1; nproc; uptime; } > "$OUT/machine.txt"
step() { # name, seconds, command...
  local name=$1 secs=$2; shift 2
  [ "$(left)" -lt 30 ] && { echo "$name: skipped, $(left) s left" >> "$OUT/machine.txt"; return; }
  [ "$secs" -gt "$(left)" ] && secs=$(left)
  local t0=$SECONDS; timeout "$secs" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"
  echo "$name: rc $? in $((SECONDS - t0)) s" >> "$OUT/machine.txt"
}
step scale 190 node bin/ttpa.mjs bench --gpu --scale-child "$@"
step full 220 node bin/ttpa.mjs bench --gpu --no-scale --out "$OUT/full.json" "$@"
step probe 90 node scripts/webgpu_probe.mjs "$@"
rm -f "$OUT/full.out"
uptime >> "$OUT/machine.txt"
cat "$OUT/machine.txt"
