#!/usr/bin/env bash
# Stops the local test cluster that up.sh started (npm run cluster:down): it signals exactly the recorded PIDs,
# after checking that each one is still the process up.sh started (same start time and binary in /proc), then
# removes the run folder's state. With nothing running it says so and exits 0.
set -euo pipefail
set +m
# shellcheck source=lib/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

take_lock

# Called for an e2e run (global-teardown sets KDIAG_CLUSTER_USER_PID): deregister it, and stop the cluster only if an
# e2e run started it and no other registered run still uses it. Decided under the lock, so a run that is reusing
# the cluster right now is either registered already or will start a fresh one after this stop.
if [ -n "${KDIAG_CLUSTER_USER_PID:-}" ]; then
  rm -f "$users_dir/$KDIAG_CLUSTER_USER_PID"
  if any_recorded && [ ! -f "$users_dir/.started-by-e2e" ]; then
    log "the cluster in $run was started by hand (npm run cluster:up); leaving it running"
    exit 0
  fi
  others=$(live_users "$KDIAG_CLUSTER_USER_PID" | tr '\n' ' ')
  if any_recorded && [ -n "$others" ]; then
    log "the cluster in $run is still used by e2e run(s) ${others% }; leaving it running"
    exit 0
  fi
fi

if ! any_recorded; then
  log "nothing is running (no PIDs recorded in $run)"
  # Still clear a state folder left behind by a failed start.
  [ -f "$run/.kdiag-cluster" ] && rm -rf "$run"
  exit 0
fi

# Stop in stages, so each component's dependencies outlive it: kube-apiserver's graceful shutdown needs etcd (with
# etcd gone it retries for a long time). Each stage: SIGTERM, wait up to KDIAG_CLUSTER_STOP_TIMEOUT seconds
# (default 20), then SIGKILL; afterwards kill what is left in each component's session (kwok's exec'd shims).
stop_stage() {
  local name pid t left deadline
  local targets=()
  for name in "$@"; do
    [ -f "$(pidfile "$name")" ] || continue
    pid=$(recorded_pid "$name" || true)
    if is_ours "$name"; then
      targets+=("$name:$pid")
      kill -TERM "$pid" 2>/dev/null || true
    else
      log "$name (PID ${pid:-?}) is not running any more; nothing to stop"
    fi
  done
  deadline=$((SECONDS + ${KDIAG_CLUSTER_STOP_TIMEOUT:-20}))
  while :; do
    left=()
    for t in "${targets[@]+"${targets[@]}"}"; do is_ours "${t%%:*}" && left+=("$t"); done
    [ ${#left[@]} -eq 0 ] && break
    if [ $SECONDS -ge $deadline ]; then
      for t in "${left[@]}"; do
        log "${t%%:*} (PID ${t##*:}) ignored SIGTERM; sending SIGKILL"
        is_ours "${t%%:*}" && kill -KILL "${t##*:}" 2>/dev/null || true
      done
      sleep 1
      break
    fi
    sleep 0.1
  done
  for t in "${targets[@]+"${targets[@]}"}"; do
    if is_ours "${t%%:*}"; then log "could not stop ${t%%:*} (PID ${t##*:})"; exit 1; fi
    log "stopped ${t%%:*} (PID ${t##*:})"
    left=$(SID_WANTED=${t##*:} session_members | wc -l)
    if [ "$left" -gt 0 ]; then
      log "killing $left leftover process(es) that ${t%%:*} started"
      kill_session KILL "${t##*:}"
    fi
  done
}
stop_stage kwok kube-scheduler kube-controller-manager
stop_stage kube-apiserver
stop_stage etcd

# Leave nothing behind: the whole run folder is ours (up.sh marks it with .kdiag-cluster).
if [ -f "$run/.kdiag-cluster" ]; then
  rm -rf "$run"
else
  rm -rf "$run/pids"
fi
log "cluster stopped; removed $run"
