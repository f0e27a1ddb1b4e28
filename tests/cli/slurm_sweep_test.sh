#!/usr/bin/env bash
# A sweep on a real cluster scheduler: starts a one-node Slurm cluster
# (Debian's slurm-wlm and munge, the recipe of shared/TOOLCHAIN.md, with its
# configuration, state and logs in WORK and its own ports, so nothing under
# /etc/slurm is touched), submits `detsim sweep` as an array job of 4 tasks
# (each takes its shard from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT),
# waits, merges the 4 reports with `detsim merge`, and checks the result
# equals the unsharded sweep failure for failure, digest for digest, and its
# coverage record for record.
#
# usage: slurm_sweep_test.sh DETSIM WORK
# Needs root (slurmd, munged). Without Slurm installed it is skipped (exit
# 77), unless DETSIM_REQUIRE_SLURM=1 (CI), where that is a failure. Every
# wait is bounded and says what it waited for; the daemons it started are
# stopped by their process ids.
set -euo pipefail
DETSIM=$(realpath "$1")
WORK=$2
SEEDS=1..4000
say() { echo "slurm_sweep_test: $*"; }
fail() {
  say "FAIL: $*"
  for log in "$WORK"/slurmctld.log "$WORK"/slurmd.log; do
    [ -f "$log" ] && { echo "--- last lines of $log"; tail -n 20 "$log"; }
  done
  exit 1
}

for program in slurmctld slurmd sbatch sinfo munged munge; do
  if ! command -v "$program" >/dev/null; then
    [ "${DETSIM_REQUIRE_SLURM:-0}" = 1 ] && fail "$program is not installed (tools/install-deps.sh installs slurm-wlm and munge)"
    say "SKIP: $program is not installed"
    exit 77
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  [ "${DETSIM_REQUIRE_SLURM:-0}" = 1 ] && fail "needs root to run slurmd and munged"
  say "SKIP: needs root"
  exit 77
fi

rm -rf "$WORK"
mkdir -p "$WORK/spool/ctld" "$WORK/spool/d" "$WORK/out"
chmod 755 "$WORK"
started_pids=()
cleanup() {
  for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${started_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# munge: reuse a running munged, else start one (and stop it afterwards).
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
  [ -f /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
  chmod 400 /etc/munge/munge.key
  rm -f /run/munge/munged.pid
  su -s /bin/sh munge -c /usr/sbin/munged || fail "munged did not start"
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  [ -s /run/munge/munged.pid ] || fail "munged wrote no pid file (/run/munge/munged.pid) within 5 s"
  started_pids+=("$(cat /run/munge/munged.pid)")
  munge -n | unmunge >/dev/null || fail "munge does not authenticate (munge -n | unmunge)"
fi

host=$(hostname -s)
export SLURM_CONF="$WORK/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=detsimtest
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$WORK/spool/ctld
SlurmdSpoolDir=$WORK/spool/d
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=detsim Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld -D -i -f "$SLURM_CONF" >"$WORK/slurmctld.out" 2>&1 &
started_pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$WORK/slurmd.out" 2>&1 &
started_pids+=($!)
for _ in $(seq 60); do
  sinfo -h -o '%t' 2>/dev/null | grep -qE '^idle' && break
  sleep 0.5
done
sinfo -h -o '%t' 2>/dev/null | grep -qE '^idle' || fail "the node did not come up idle within 30 s (sinfo: $(sinfo 2>&1 | tr '\n' ' '))"
say "cluster up: $(sinfo -h -o '%P %a %D %t' | tr '\n' ' ')"

# The array job: each task sweeps its shard. A sweep that finds failures
# exits 1; the job records that and its report is what counts.
cat > "$WORK/sweep-job.sh" <<JOB
#!/bin/sh
"$DETSIM" sweep lost-update --seeds $SEEDS --jobs 1 -q --trace-dir "$WORK/out" \\
  --out "$WORK/out/shard-\$SLURM_ARRAY_TASK_ID.jsonl" > "$WORK/out/shard-\$SLURM_ARRAY_TASK_ID.txt" 2>&1
echo "exit \$?" >> "$WORK/out/shard-\$SLURM_ARRAY_TASK_ID.txt"
JOB
chmod +x "$WORK/sweep-job.sh"
timeout 180 sbatch --array=0-3 --wait --chdir="$WORK" -o "$WORK/out/slurm-%a.txt" "$WORK/sweep-job.sh" \
  || fail "the array job did not finish within 180 s (or sbatch failed): exit $?"
for i in 0 1 2 3; do
  [ -s "$WORK/out/shard-$i.jsonl" ] || fail "task $i wrote no report: $(cat "$WORK/out/shard-$i.txt" 2>/dev/null)"
  grep -q '"shard":"'"$i"'/4"' "$WORK/out/shard-$i.jsonl" || fail "task $i did not run shard $i/4"
done
say "4 array tasks done"

"$DETSIM" merge "$WORK"/out/shard-{0,1,2,3}.jsonl --out "$WORK/merged.jsonl" > "$WORK/merged.txt" || [ $? -eq 1 ] \
  || fail "detsim merge failed: $(cat "$WORK/merged.txt")"
"$DETSIM" sweep lost-update --seeds $SEEDS -q --trace-dir "$WORK/out" --out "$WORK/whole.jsonl" > "$WORK/whole.txt" \
  || [ $? -eq 1 ] || fail "the unsharded sweep failed: $(cat "$WORK/whole.txt")"

field() { head -n 1 "$1" | grep -o "\"$2\":[^,]*"; }
for name in digest seeds_run count failures groups; do
  [ "$(field "$WORK/merged.jsonl" $name)" = "$(field "$WORK/whole.jsonl" $name)" ] \
    || fail "$name: merged $(field "$WORK/merged.jsonl" $name), unsharded $(field "$WORK/whole.jsonl" $name)"
done
diff <(grep '"type":"failure"' "$WORK/merged.jsonl") <(grep '"type":"failure"' "$WORK/whole.jsonl") >/dev/null \
  || fail "the failing seeds differ (diff the failure lines of merged.jsonl and whole.jsonl)"
strip() { grep '"type":"group"' "$1" | sed -E 's/"(trace|first_trace)":"[^"]*"//g'; }
diff <(strip "$WORK/merged.jsonl") <(strip "$WORK/whole.jsonl") >/dev/null \
  || fail "the failure groups differ (merged.jsonl vs whole.jsonl)"
coverage() { grep -E '"type":"(coverage|point|ordering|schedules)"' "$1"; }
diff <(coverage "$WORK/merged.jsonl") <(coverage "$WORK/whole.jsonl") >/dev/null \
  || fail "the coverage differs (the coverage lines of merged.jsonl vs whole.jsonl)"
say "merged 4 Slurm shards = the unsharded sweep: $(field "$WORK/whole.jsonl" failures) failures, $(field "$WORK/whole.jsonl" digest)"
