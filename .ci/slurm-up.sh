#!/usr/bin/env bash
# Starts a single-node Slurm cluster for the tests of `regime sweep --slurm` (tests/it/slurm.rs).
# Usage: .ci/slurm-up.sh STATE_DIR. On success prints the path of slurm.conf on standard output
# (the caller exports it as SLURM_CONF and REGIME_SLURM_CONF); otherwise says why on standard
# error and exits 1, and the Slurm tests skip visibly. Installs slurm-wlm and munge with apt when
# they are missing (root only). Everything it starts is recorded in STATE_DIR for
# .ci/slurm-down.sh; cluster state, spool and logs stay in STATE_DIR, never in the repository.
set -uo pipefail
state=${1:?usage: slurm-up.sh STATE_DIR}
say() { echo "slurm-up: $*" >&2; }
give_up() { say "$* -- the Slurm tests will be skipped"; exit 1; }

install_packages() {
    command -v sbatch >/dev/null && command -v slurmctld >/dev/null && command -v munged >/dev/null && return 0
    [ "$(id -u)" = 0 ] || give_up "slurm is not installed and this is not root"
    command -v apt-get >/dev/null || give_up "slurm is not installed and there is no apt-get"
    local policy=/usr/sbin/policy-rc.d created=""
    # Keep the packages from starting services (no systemd here): we start the daemons ourselves.
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1; fi
    say "installing slurm-wlm and munge with apt-get"
    local ok=0
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$state/apt.log" 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >>"$state/apt.log" 2>&1 || ok=1
    [ -n "$created" ] && rm -f "$policy"
    [ "$ok" = 0 ] || { tail -n 20 "$state/apt.log" >&2; give_up "apt-get could not install slurm-wlm and munge"; }
}

start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
    [ "$(id -u)" = 0 ] || give_up "munged is not running and this is not root"
    mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
    [ -s /etc/munge/munge.key ] || { mungekey --create >&2 2>/dev/null || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null; }
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    runuser -u munge -- munged >&2 || give_up "munged did not start"
    cp /run/munge/munged.pid "$state/munged.pid" 2>/dev/null
}

write_conf() {
    local host node
    host=$(hostname -s)
    node=$(slurmd -C 2>/dev/null | head -n 1)
    [ -n "$node" ] || give_up "slurmd -C printed no node line"
    mkdir -p "$state/spool" "$state/ctld" "$state/log"
    cat >"$state/slurm.conf" <<CONF
ClusterName=regime-ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

start_daemons() {
    export SLURM_CONF=$state/slurm.conf
    slurmctld -f "$SLURM_CONF" >&2 || give_up "slurmctld did not start (see $state/log)"
    slurmd -f "$SLURM_CONF" >&2 || give_up "slurmd did not start (see $state/log)"
    local i
    for i in $(seq 1 60); do
        if sinfo -h -o '%T' 2>/dev/null | grep -qx 'idle'; then return 0; fi
        sleep 0.5
    done
    give_up "the node did not become idle within 30 s (see $state/log)"
}

mkdir -p "$state" || give_up "cannot create $state"
install_packages
start_munge
write_conf
start_daemons
say "a one-node cluster is up (SLURM_CONF=$state/slurm.conf)"
echo "$state/slurm.conf"
