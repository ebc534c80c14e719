#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for CI and for trying the launcher (docs/slurm.md): munged with a key
# generated here, slurmctld and slurmd with every state, log and socket file under one folder (default
# /tmp/credit-bench-slurm, or $CREDIT_BENCH_SLURM_DIR), the node being this host with its real CPU count and memory,
# reached at 127.0.0.1 (no name lookup needed).
# Needs Debian's slurm-wlm and munge packages, and root (slurmd runs jobs as their users). Idempotent: a running
# cluster is left as it is. Prints the line that points Slurm's commands at it; deploy/slurm/stop.sh stops it.
set -euo pipefail
dir="${CREDIT_BENCH_SLURM_DIR:-/tmp/credit-bench-slurm}"
for bin in munged slurmctld slurmd sinfo; do
  command -v "$bin" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
  command -v "$bin" >/dev/null 2>&1 || { echo "error: $bin not found; install Debian's slurm-wlm and munge packages (apt-get install -y slurm-wlm munge)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "error: start.sh runs slurmd, which must run as root; run it with sudo" >&2; exit 1; }
export SLURM_CONF="$dir/slurm.conf"
if [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null && sinfo -h >/dev/null 2>&1; then
  echo "export SLURM_CONF=$SLURM_CONF"
  exit 0
fi
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 755 "$dir/munge" # the socket is reached by every user; the key stays root's alone
[ -f "$dir/munge/munge.key" ] || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
# munged refuses a key, socket or log folder that other users can write; root owns all of them here (--force: as root).
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
host="$(hostname -s)"
cpus="$(nproc)"
# The node's memory less 10% for the system, in MiB.
mem="$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)"
cat >"$SLURM_CONF" <<CONF
ClusterName=credit-bench
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=${CREDIT_BENCH_SLURMCTLD_PORT:-6817}
SlurmdPort=${CREDIT_BENCH_SLURMD_PORT:-6818}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=$((mem / cpus))
ReturnToService=2
MaxArraySize=100001
MinJobAge=3600
SlurmctldTimeout=60
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 1
done
echo "error: the one-node cluster did not come up within 60 s; see $dir/slurmctld.log and $dir/slurmd.log" >&2
exit 1
