# Shared by up.sh and down.sh (sourced, not run). Settings, PID bookkeeping and small helpers.
# shellcheck shell=bash

cluster_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../versions.env
. "$cluster_dir/versions.env"

log() { echo "kdiag test cluster: $*" >&2; }

cache_root=${KDIAG_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdiag/cluster}
run=${KDIAG_CLUSTER_DIR:-$cache_root/run}

# Ports: fixed defaults below the Linux ephemeral range, all on 127.0.0.1. Move them all with
# KDIAG_CLUSTER_PORT_BASE, or one at a time with the variable named next to it.
port_base=${KDIAG_CLUSTER_PORT_BASE:-26000}
declare -A port port_var
port[etcd]=${KDIAG_ETCD_PORT:-$((port_base + 379))};                  port_var[etcd]=KDIAG_ETCD_PORT
port[etcd-peer]=${KDIAG_ETCD_PEER_PORT:-$((port_base + 380))};        port_var[etcd-peer]=KDIAG_ETCD_PEER_PORT
port[kube-apiserver]=${KDIAG_APISERVER_PORT:-$((port_base + 443))};   port_var[kube-apiserver]=KDIAG_APISERVER_PORT
port[kube-controller-manager]=${KDIAG_KCM_PORT:-$((port_base + 257))}; port_var[kube-controller-manager]=KDIAG_KCM_PORT
port[kube-scheduler]=${KDIAG_SCHEDULER_PORT:-$((port_base + 259))};   port_var[kube-scheduler]=KDIAG_SCHEDULER_PORT
port[kwok]=${KDIAG_KWOK_PORT:-$((port_base + 250))};                  port_var[kwok]=KDIAG_KWOK_PORT

# One lock per run folder, next to it (never inside: down.sh deletes the folder, and a deleted lock file would let a
# second up.sh in). up.sh and down.sh both hold it; up.sh passes KDIAG_CLUSTER_LOCK_HELD=1 to the down.sh it runs.
lock_file="${run%/}.lock"
take_lock() {
  [ "${KDIAG_CLUSTER_LOCK_HELD:-}" = 1 ] && return 0
  mkdir -p "$(dirname "$lock_file")"
  exec 8>"$lock_file"
  if ! flock -n 8; then
    log "another cluster:up or cluster:down is running for $run; waiting for it"
    flock -w 900 8 || { log "gave up waiting for the lock $lock_file"; exit 1; }
  fi
}

# E2E runs that share a cluster register here (KDIAG_CLUSTER_USER_PID, see up.sh and down.sh).
users_dir="$run/e2e-users"
live_users() { # PIDs of registered runs that still live, except $1
  local f pid
  for f in "$users_dir"/*; do
    [ -e "$f" ] || continue
    pid=${f##*/}
    case $pid in *[!0-9]*) continue ;; esac
    [ "$pid" = "${1:-}" ] && continue
    if kill -0 "$pid" 2>/dev/null; then echo "$pid"; else rm -f "$f"; fi
  done
}

# Start order; down.sh stops in reverse.
components="etcd kube-apiserver kube-controller-manager kube-scheduler kwok"

# Field 22 of /proc/PID/stat (start time in clock ticks since boot): with the PID it names one process for good.
proc_starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }              # drop "pid (comm) ", comm may hold spaces
  set -- $stat                   # now $1 is field 3 (state)
  echo "${20}"
}
proc_argv0() { local a; a=$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | head -n1) || return 1; echo "$a"; }

# pidfile line: "<pid> <starttime> <absolute binary path>"
pidfile() { echo "$run/pids/$1"; }

# is_ours NAME: 0 when the recorded PID is still the very process up.sh started (same start time, same binary).
is_ours() {
  local f pid st exe cur_st cur_exe
  f=$(pidfile "$1")
  [ -s "$f" ] || return 1
  read -r pid st exe <"$f" || return 1
  [ -n "${pid:-}" ] && [ -d "/proc/$pid" ] || return 1
  cur_st=$(proc_starttime "$pid") || return 1
  cur_exe=$(proc_argv0 "$pid") || return 1
  [ "$cur_st" = "$st" ] && [ "$cur_exe" = "$exe" ]
}
recorded_pid() { local pid _; read -r pid _ <"$(pidfile "$1")" 2>/dev/null && echo "$pid"; }
recorded_exe() { local _p _s exe; read -r _p _s exe <"$(pidfile "$1")" 2>/dev/null && echo "$exe"; }
any_recorded() { compgen -G "$run/pids/*" >/dev/null 2>&1; }

# port_listening PORT: is any TCP socket (IPv4 or IPv6, any address) listening on PORT? Reads /proc, dials nothing.
port_listening() {
  local hex f
  hex=$(printf '%04X' "$1")
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    # columns: sl local_address rem_address st ...; st 0A = LISTEN
    if awk -v p=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' "$f"; then
      return 0
    fi
  done
  return 1
}

log_tail() { # log_tail NAME: the last lines of a component's log, on stderr
  local f="$run/logs/$1.log" n=${KDIAG_CLUSTER_LOG_LINES:-40}
  if [ -s "$f" ]; then
    log "last $n lines of $f:"
    tail -n "$n" "$f" | sed 's/^/    /' >&2
  else
    log "$f is empty or missing"
  fi
}

# session_members SID: PIDs whose session is SID. Each component runs in its own session (setsid), so these are
# the component itself and whatever it spawned (kwok's exec'd shims), and nothing else.
session_members() {
  local f stat rest
  for f in /proc/[0-9]*/stat; do
    read -r stat 2>/dev/null <"$f" || continue
    rest=${stat##*) }
    set -- $rest   # $1 state, $2 ppid, $3 pgrp, $4 session
    # zombies are dead already (they hold nothing; init reaps them)
    if [ "${4:-}" = "$SID_WANTED" ] && [ "$1" != Z ]; then f=${f#/proc/}; echo "${f%/stat}"; fi
  done
}
# kill_session SIGNAL SID: signal every process in that session (leftover children of a stopped component).
kill_session() {
  local pid
  for pid in $(SID_WANTED=$2 session_members); do kill "-$1" "$pid" 2>/dev/null || true; done
}
