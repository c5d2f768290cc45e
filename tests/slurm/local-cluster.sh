#!/usr/bin/env bash
# Starts or stops a real single-host Slurm cluster for the tests: a private munged and three slurmd nodes (n1-n3)
# under one slurmctld, all on 127.0.0.1 as plain processes, everything (configuration, state, logs, sockets) in DIR.
#   local-cluster.sh start DIR   writes DIR/slurm.conf, starts the daemons, waits until the nodes are idle
#   local-cluster.sh stop DIR    stops them and removes DIR
# Clients use it with SLURM_CONF=DIR/slurm.conf. Without slurm-wlm and munge installed, start says so and writes no
# configuration, and the Slurm tests skip with that message.
set -euo pipefail

action=${1:-}
dir=${2:-}
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
PATH=/usr/sbin:/sbin:$PATH

# Ends the daemons this script started, by the PIDs it saved; zombies count as gone.
stop_daemons() {
  [ -f "$dir/pids" ] || return 0
  local pid
  while read -r pid; do
    kill "$pid" 2>/dev/null || true
  done <"$dir/pids"
  for _ in $(seq 50); do
    local alive=0
    while read -r pid; do
      if [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then alive=1; fi
    done <"$dir/pids"
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done <"$dir/pids"
  rm -f "$dir/pids"
}

if [ "$action" = stop ]; then
  stop_daemons
  # Task processes of a killed test may outlive slurmd; they hold nothing of ours once the folder is gone.
  rm -rf "$dir"
  exit 0
fi
[ "$action" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

missing=()
for program in munged mungekey slurmctld slurmd sbatch squeue sinfo; do
  command -v "$program" >/dev/null || missing+=("$program")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "local-cluster: ${missing[*]} not found: install slurm-wlm and munge (apt-get install --no-install-recommends" \
       "slurm-wlm munge); the Slurm tests skip" >&2
  rm -f "$dir/slurm.conf"
  exit 0
fi

stop_daemons
rm -rf "$dir/state" "$dir/spool" "$dir/munge" "$dir"/*.log
mkdir -p "$dir/state" "$dir/munge" "$dir/spool"
chmod 711 "$dir/munge"

# Four free TCP ports on 127.0.0.1: slurmctld's and one per node.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
base=0
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 30000))
  ok=1
  for offset in 0 1 2 3; do port_free $((candidate + offset)) || ok=0; done
  if [ "$ok" = 1 ]; then base=$candidate; break; fi
done
[ "$base" != 0 ] || { echo "local-cluster: no four free ports found" >&2; exit 1; }

user=$(id -un)
# Binding to 127.0.0.1 alone (NoInAddrAny) makes the daemons resolve this machine's name; a fresh root (a chroot,
# a container) may have no /etc/hosts entry for it. Then they listen on every address, still reached on 127.0.0.1.
if getent hosts "$(hostname)" >/dev/null 2>&1; then
  communication="CommunicationParameters=NoCtldInAddrAny,NoInAddrAny"
else
  echo "local-cluster: $(hostname) does not resolve here (no /etc/hosts entry); the daemons listen on every address" >&2
  communication="#CommunicationParameters: $(hostname) does not resolve, the defaults are kept"
fi
mungekey -c -k "$dir/munge/munge.key" >/dev/null 2>&1 || mungekey --create --keyfile="$dir/munge/munge.key"
chmod 600 "$dir/munge/munge.key"
munged -F --force --socket="$dir/munge/munge.socket.2" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
  >/dev/null 2>&1 &
echo $! >>"$dir/pids"

cat >"$dir/slurm.conf" <<CONF
ClusterName=shiftscope-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$base
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket.2,cred_expire=10
$communication
SlurmdParameters=config_overrides
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
MailProg=/bin/true
MpiDefault=none
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd-%n.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd-%n.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
NodeName=n[1-3] NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((base + 1))-$((base + 3)) CPUs=2 RealMemory=4000 State=UNKNOWN
PartitionName=test Nodes=n[1-3] Default=YES MaxTime=INFINITE State=UP LLN=YES
CONF
export SLURM_CONF="$dir/slurm.conf"

for _ in $(seq 50); do [ -S "$dir/munge/munge.socket.2" ] && break; sleep 0.1; done
slurmctld -D -f "$SLURM_CONF" >/dev/null 2>&1 &
echo $! >>"$dir/pids"
for node in n1 n2 n3; do
  mkdir -p "$dir/spool/$node"
  slurmd -D -N "$node" -f "$SLURM_CONF" >/dev/null 2>&1 &
  echo $! >>"$dir/pids"
done

# Ready when every node is idle; a daemon that died ends the wait at once.
for _ in $(seq 150); do
  while read -r pid; do
    if ! [ -d "/proc/$pid" ]; then
      echo "local-cluster: a daemon (pid $pid) exited; its logs follow" >&2
      tail -n 20 "$dir"/slurmctld.log "$dir"/slurmd-*.log >&2 2>/dev/null || true
      stop_daemons
      exit 1
    fi
  done <"$dir/pids"
  idle=$(timeout 10 sinfo -h -N -o '%T' 2>/dev/null | grep -c '^idle$' || true)
  if [ "$idle" = 3 ]; then
    echo "local-cluster: 3 nodes idle; SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "local-cluster: the nodes did not become idle in 30 s; logs follow" >&2
tail -n 20 "$dir"/slurmctld.log "$dir"/slurmd-*.log "$dir/munge/munged.log" >&2 2>/dev/null || true
sinfo >&2 || true
stop_daemons
exit 1
