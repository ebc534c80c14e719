#!/usr/bin/env bash
# Stop the one-node cluster of deploy/slurm/start.sh, its jobs cancelled first, and remove its folder.
set -euo pipefail
dir="${CREDIT_BENCH_SLURM_DIR:-/tmp/credit-bench-slurm}"
export SLURM_CONF="$dir/slurm.conf"
# Cancel the jobs first (proctrack/linuxproc leaves a job's processes running when slurmd stops), at most 30 s.
if [ -f "$SLURM_CONF" ] && scancel --partition=debug 2>/dev/null; then
  for _ in $(seq 30); do
    [ -z "$(squeue -h 2>/dev/null)" ] && break
    sleep 1
  done
fi
for pid in slurmd slurmctld munge/munged; do
  if [ -f "$dir/$pid.pid" ]; then
    kill "$(cat "$dir/$pid.pid")" 2>/dev/null || true
  fi
done
# Wait for them to exit (at most 30 s), so that a start.sh right after finds the ports free.
for _ in $(seq 30); do
  alive=0
  for pid in slurmd slurmctld munge/munged; do
    [ -f "$dir/$pid.pid" ] && kill -0 "$(cat "$dir/$pid.pid")" 2>/dev/null && alive=1
  done
  [ "$alive" -eq 0 ] && break
  sleep 1
done
rm -rf "$dir"
echo "stopped the one-node cluster and removed $dir"
