#!/usr/bin/env bash
# Starts the local test cluster (npm run cluster:up): etcd, kube-apiserver, kube-controller-manager, kube-scheduler
# and kwok, all on 127.0.0.1, built first if needed (build.sh). Reuses a running, healthy cluster. Prints exactly two
# lines on stdout, to paste in a shell:
#   export KUBECONFIG=<run>/kubeconfig
#   export PATH=<bin>:$PATH
# Everything else goes to stderr. See test/cluster/README.md.
set -euo pipefail
set +m   # no job control: a background child stays in our process group, so `setsid` execs in place (PID kept)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"

for tool in openssl awk setsid flock; do
  command -v "$tool" >/dev/null 2>&1 || { log "$tool is required but not on PATH"; exit 1; }
done

# ---------------------------------------------------------------------------------------------------------------
setsid_bin=$(command -v setsid)

# ---------------------------------------------------------------------------------------------------------------
# Binaries (a warm cache needs no Go; a cold one fails fast without it).
bin=$(bash "$here/build.sh") || { rc=$?; log "build failed (exit $rc); see the messages above"; exit "$rc"; }
key_dir=$(dirname "$bin")
kubectl_bin="$bin/kubectl"
shims="$here/shims"
kc="$run/kubeconfig"
limited_kc="$run/limited.kubeconfig"
api="https://127.0.0.1:${port[kube-apiserver]}"

emit() { # the two lines to paste, and the optional result file for the e2e harness
  [ -n "${KDIAG_CLUSTER_UP_RESULT:-}" ] && echo "$1" >"$KDIAG_CLUSTER_UP_RESULT"
  # An e2e run registers itself (under the lock) so that another run's teardown does not stop the cluster under it.
  if [ -n "${KDIAG_CLUSTER_USER_PID:-}" ]; then
    mkdir -p "$users_dir"
    : >"$users_dir/$KDIAG_CLUSTER_USER_PID"
    [ "$1" = started ] && : >"$users_dir/.started-by-e2e"
  fi
  echo "export KUBECONFIG=$kc"
  echo "export PATH=$bin:\$PATH"
}
k() { "$kubectl_bin" --kubeconfig="$kc" --request-timeout=10s "$@"; }

mkdir -p "$run"
if [ -n "$(ls -A "$run" 2>/dev/null)" ] && [ ! -f "$run/.kdiag-cluster" ]; then
  log "$run is not empty and was not made by up.sh; refusing to use it (set KDIAG_CLUSTER_DIR to another folder)"
  exit 1
fi
take_lock
touch "$run/.kdiag-cluster"

# ---------------------------------------------------------------------------------------------------------------
# Reuse a running cluster when every recorded process is still ours, runs this build, and the apiserver is ready.
healthy() {
  local name
  for name in $components; do
    is_ours "$name" || return 1
    [ "$(dirname "$(recorded_exe "$name")")" = "$bin" ] || return 1
  done
  [ "$(k get --raw=/readyz 2>/dev/null)" = ok ]
}
if any_recorded; then
  if healthy; then
    log "reusing the cluster already running in $run (apiserver $api)"
    emit reused
    exit 0
  fi
  log "a previous cluster in $run is stopped, unhealthy or from another build; stopping what is left of it"
  KDIAG_CLUSTER_LOCK_HELD=1 KDIAG_CLUSTER_USER_PID= bash "$here/down.sh"
  mkdir -p "$run" && touch "$run/.kdiag-cluster"
fi

# ---------------------------------------------------------------------------------------------------------------
# Ports must be free. Nothing is dialed to find out: /proc/net/tcp{,6} lists the listeners.
for name in etcd etcd-peer kube-apiserver kube-controller-manager kube-scheduler kwok; do
  p=${port[$name]}
  if port_listening "$p"; then
    log "port $p (for $name) is already in use on this machine; set ${port_var[$name]} to a free port" \
      "(or move all ports with KDIAG_CLUSTER_PORT_BASE, now $port_base)"
    exit 1
  fi
done

# ---------------------------------------------------------------------------------------------------------------
# From here on, a failure stops whatever this run started.
started=()
finished=0
cleanup() {
  local rc=$?
  [ $finished = 1 ] && return
  if [ ${#started[@]} -gt 0 ]; then
    log "start failed; stopping the components this run started (logs kept in $run/logs)"
    local name pid
    for name in $(printf '%s\n' "${started[@]}" | tac); do
      if is_ours "$name"; then pid=$(recorded_pid "$name"); kill -TERM "$pid" 2>/dev/null || true; fi
    done
    for _ in $(seq 1 50); do
      local alive=0
      for name in "${started[@]}"; do is_ours "$name" && alive=1; done
      [ $alive = 0 ] && break
      sleep 0.2
    done
    for name in "${started[@]}"; do
      is_ours "$name" && kill -KILL "$(recorded_pid "$name")" 2>/dev/null
      kill_session KILL "$(recorded_pid "$name")"
    done
    rm -rf "$run/pids"
  fi
  exit $((rc == 0 ? 1 : rc))
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail_with_log() { log "$2"; log_tail "$1"; exit 1; }

# check_alive: every component started so far must still run; a dead one fails the start with its log tail.
check_alive() {
  local name
  for name in "${started[@]}"; do
    is_ours "$name" || fail_with_log "$name" "$name exited during start-up"
  done
}

# wait_until DESCRIPTION LOG-NAME TIMEOUT COMMAND...: poll COMMAND every 0.5 s while watching the processes.
wait_until() {
  local what=$1 name=$2 timeout=$3; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    check_alive
    [ $SECONDS -lt $deadline ] || fail_with_log "$name" "timed out after ${timeout}s waiting for $what"
    sleep 0.5
  done
}

start() { # start NAME EXE ARGS... (the environment is inherited unless the caller prefixes `env -i ...`)
  local name=$1 exe=$2; shift 2
  local extra_var="KDIAG_$(echo "$name" | tr 'a-z-' 'A-Z_')_ARGS"
  local extra=()
  [ -n "${!extra_var:-}" ] && read -r -a extra <<<"${!extra_var}"
  log "starting $name${extra[*]:+ (extra args from $extra_var: ${extra[*]})}"
  # 8>&- : the component must not inherit (and hold forever) the lock on $lock_file.
  ${launcher[@]+"${launcher[@]}"} "$setsid_bin" "$exe" "$@" ${extra[@]+"${extra[@]}"} </dev/null >"$run/logs/$name.log" 2>&1 8>&- &
  local pid=$! st="" i
  # setsid (and env) exec in place, so the PID is the component's once argv[0] is the binary.
  for i in $(seq 1 40); do
    [ "$(proc_argv0 "$pid" 2>/dev/null)" = "$exe" ] && { st=$(proc_starttime "$pid"); break; }
    [ -d "/proc/$pid" ] || break
    sleep 0.05
  done
  if [ -z "$st" ]; then
    if [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
      kill -KILL "$pid" 2>/dev/null || true
      fail_with_log "$name" "$name (PID $pid) did not start as $exe"
    fi
    fail_with_log "$name" "$name exited during start-up"
  fi
  echo "$pid $st $exe" >"$(pidfile "$name")"
  started+=("$name")
  launcher=()
}
launcher=()

rm -rf "$run/pids" "$run/logs" "$run/etcd" "$run/pki" "$run/kwok" "$run/shim-data" "$run/exec-root" \
  "$kc" "$limited_kc" "$users_dir"
mkdir -p "$run/pids" "$run/logs" "$run/etcd" "$run/pki" "$run/kwok/home" "$run/shim-data" "$run/exec-root"
chmod 700 "$run/etcd" "$run/pki"
t0=$SECONDS

# ---------------------------------------------------------------------------------------------------------------
# PKI, made by openssl with a config file of our own (the system openssl.cnf is not consulted).
log "making certificates in $run/pki"
pki="$run/pki"
(
  cd "$pki"
  umask 077
  cat >openssl.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = @server_names
[server_names]
DNS.1 = localhost
DNS.2 = kubernetes
DNS.3 = kubernetes.default
DNS.4 = kubernetes.default.svc
DNS.5 = kubernetes.default.svc.cluster.local
IP.1 = 127.0.0.1
IP.2 = 10.96.0.1
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
CNF
  newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 -config openssl.cnf -extensions ca "${newkey[@]}" -keyout ca.key -out ca.crt \
    -days 3650 -subj "/CN=kdiag-e2e-ca" 2>/dev/null
  leaf() { # leaf NAME SUBJECT EXT
    openssl req -new -config openssl.cnf "${newkey[@]}" -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -CAserial ca.srl -days 3650 \
      -extfile openssl.cnf -extensions "$3" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr"
  }
  leaf apiserver "/CN=kube-apiserver" server
  leaf kwok "/CN=localhost" server
  leaf admin "/O=system:masters/CN=kdiag-admin" client
  openssl ecparam -name prime256v1 -genkey -noout -out sa.key 2>/dev/null
  openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
  # The limited user: a static token, no groups column (the apiserver adds only system:authenticated).
  printf '%s,kdiag-limited,kdiag-limited\n' "kdiag-limited-$(openssl rand -hex 16)" >tokens.csv
) || { log "openssl failed to make the certificates in $pki"; exit 1; }
limited_token=$(cut -d, -f1 "$pki/tokens.csv")

b64() { base64 -w0 <"$1"; }
# The parts both kubeconfigs share: the cluster, and the limited user and its context.
kc_cluster() {
  cat <<KC
apiVersion: v1
kind: Config
clusters:
- name: kdiag-e2e
  cluster:
    server: $api
    certificate-authority-data: $(b64 "$pki/ca.crt")
KC
}
kc_limited_user() {
  cat <<KC
- name: kdiag-limited
  user:
    token: $limited_token
KC
}
kc_limited_context() {
  cat <<KC
- name: limited
  context: {cluster: kdiag-e2e, user: kdiag-limited, namespace: kdiag-limited}
KC
}
umask 077
{
  echo '# kdiag local test cluster (test/cluster/up.sh). Contexts: kdiag-e2e (admin, system:masters) and limited'
  echo '# (user kdiag-limited: read-only in namespace kdiag-limited, nothing elsewhere).'
  kc_cluster
  cat <<KC
users:
- name: kdiag-admin
  user:
    client-certificate-data: $(b64 "$pki/admin.crt")
    client-key-data: $(b64 "$pki/admin.key")
KC
  kc_limited_user
  cat <<KC
contexts:
- name: kdiag-e2e
  context: {cluster: kdiag-e2e, user: kdiag-admin, namespace: default}
KC
  kc_limited_context
  echo 'current-context: kdiag-e2e'
} >"$kc"
{
  echo '# kdiag local test cluster: only the limited user (read-only in namespace kdiag-limited).'
  kc_cluster
  echo 'users:'
  kc_limited_user
  echo 'contexts:'
  kc_limited_context
  echo 'current-context: limited'
} >"$limited_kc"
umask 022

# ---------------------------------------------------------------------------------------------------------------
start etcd "$bin/etcd" --name=kdiag --data-dir="$run/etcd" \
  --listen-client-urls="http://127.0.0.1:${port[etcd]}" --advertise-client-urls="http://127.0.0.1:${port[etcd]}" \
  --listen-peer-urls="http://127.0.0.1:${port[etcd-peer]}" \
  --initial-advertise-peer-urls="http://127.0.0.1:${port[etcd-peer]}" \
  --initial-cluster="kdiag=http://127.0.0.1:${port[etcd-peer]}" \
  --unsafe-no-fsync=true --auto-compaction-retention=1 --quota-backend-bytes=2147483648 --log-level=warn
wait_until "etcd to listen on 127.0.0.1:${port[etcd]}" etcd 30 port_listening "${port[etcd]}"

start kube-apiserver "$bin/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:${port[etcd]}" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="${port[kube-apiserver]}" \
  --cert-dir="$pki/apiserver-cache" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --client-ca-file="$pki/ca.crt" --token-auth-file="$pki/tokens.csv" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --authorization-mode=Node,RBAC --allow-privileged=true \
  --service-cluster-ip-range=10.96.0.0/16 --endpoint-reconciler-type=none \
  --kubelet-preferred-address-types=Hostname \
  --profiling=false
wait_until "kube-apiserver /readyz on $api" kube-apiserver "${KDIAG_CLUSTER_START_TIMEOUT:-120}" \
  bash -c '[ "$("$0" --kubeconfig="$1" --request-timeout=5s get --raw=/readyz)" = ok ]' "$kubectl_bin" "$kc"

start kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
  --bind-address=127.0.0.1 --secure-port="${port[kube-controller-manager]}" --leader-elect=false \
  --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" \
  --profiling=false
start kube-scheduler "$bin/kube-scheduler" \
  --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
  --bind-address=127.0.0.1 --secure-port="${port[kube-scheduler]}" --leader-elect=false --profiling=false

# KWOK's custom resources, and the cluster-wide rules that must exist before any pod.
log "applying the KWOK CRDs from $key_dir/kwok/kustomize/crd/bases"
k apply --server-side --force-conflicts -f "$key_dir/kwok/kustomize/crd/bases" >/dev/null
k wait --for=condition=Established --timeout=60s crd --all >/dev/null
# The Gateway API standard CRDs (kdiag route): the whole standard bundle, cached like the binaries.
gateway_api=$(bash "$here/gateway-api.sh")
log "applying the Gateway API standard CRDs from $gateway_api"
k apply --server-side --force-conflicts -f "$gateway_api" >/dev/null
k wait --for=condition=Established --timeout=60s crd --all >/dev/null

printf 'kubernetes.default.svc.cluster.local 10.96.0.1\n' >"$run/shim-data/dns.txt"
: >"$run/shim-data/closed.txt"
# CRI log format ("<RFC3339Nano> <stream> <F|P> <text>"), which kwok parses for `kubectl logs`.
printf '%s stdout F kdiag test cluster: canned container log line (ClusterLogs kdiag-canned)\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%S.000000000Z)" >"$run/kwok/pod.log"
k apply -f - >/dev/null <<YAML
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: kdiag-shims
spec:
  execs:
  - local:
      workDir: $run/exec-root
      envs:
      - {name: PATH, value: $shims}
      - {name: HOME, value: $run/exec-root}
      - {name: KDIAG_SHIM_DATA, value: $run/shim-data}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: kdiag-canned
spec:
  logs:
  - logsFile: $run/kwok/pod.log
    previousLogsFile: $run/kwok/pod.log
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterAttach
metadata:
  name: kdiag-canned
spec:
  attaches:
  - logsFile: $run/kwok/pod.log
YAML

stages="$key_dir/kwok/kustomize/stage"
# kwok runs exec'd argv through its own PATH lookup: give it the shims and nothing else (env -i drops the rest).
launcher=(env -i "PATH=$shims" "HOME=$run/kwok/home")
start kwok "$bin/kwok" --kubeconfig="$kc" --manage-all-nodes=true \
  --node-name=localhost --node-port="${port[kwok]}" --server-address="127.0.0.1:${port[kwok]}" \
  --cidr=10.244.0.0/16 --node-lease-duration-seconds=40 \
  --tls-cert-file="$pki/kwok.crt" --tls-private-key-file="$pki/kwok.key" \
  --enable-crds=PortForward,ClusterPortForward,Exec,ClusterExec,Logs,ClusterLogs,Attach,ClusterAttach \
  -c "$stages/node/fast/node-initialize.yaml" \
  -c "$stages/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
  -c "$stages/pod/fast/pod-ready.yaml" -c "$stages/pod/fast/pod-complete.yaml" -c "$stages/pod/fast/pod-delete.yaml"
wait_until "kwok to listen on 127.0.0.1:${port[kwok]}" kwok 30 port_listening "${port[kwok]}"

# Fake nodes: no status.addresses at creation, so kwok adds Hostname=localhost (the only address type the
# apiserver dials); each then gets its own virtual InternalIP, which nothing dials.
node_count=${KDIAG_CLUSTER_NODES:-2}
log "creating $node_count KWOK nodes"
for i in $(seq 0 $((node_count - 1))); do
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node-role.kubernetes.io/worker: ""
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
spec:
  podCIDR: 10.244.$((i + 1)).0/24
  podCIDRs: [10.244.$((i + 1)).0/24]
YAML
  k patch node "kwok-node-$i" --subresource=status --type=strategic \
    -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.240.0.$((i + 10))\"}]}}" >/dev/null
done
nodes_ready() {
  local out
  out=$(k get nodes -o 'jsonpath={range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{" "}{.spec.taints}{"\n"}{end}') || return 1
  [ "$(echo "$out" | grep -c ' True $')" -ge "$node_count" ]
}
wait_until "$node_count Ready nodes without taints" kwok 90 nodes_ready

wait_until "the default ServiceAccount (made by kube-controller-manager)" kube-controller-manager 90 \
  k get serviceaccount default -n default

# The limited user: read-only in kdiag-limited, nothing anywhere else (real 403s for the tests).
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: kdiag-limited
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: kdiag-read-only
  namespace: kdiag-limited
rules:
- apiGroups: [""]
  resources: [pods, pods/log, services, endpoints, configmaps, events, serviceaccounts, persistentvolumeclaims]
  verbs: [get, list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [get, list, watch]
- apiGroups: [apps]
  resources: [deployments, replicasets, statefulsets, daemonsets]
  verbs: [get, list, watch]
- apiGroups: [batch]
  resources: [jobs, cronjobs]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies, ingresses]
  verbs: [get, list, watch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: kdiag-limited-read-only
  namespace: kdiag-limited
subjects:
- kind: User
  apiGroup: rbac.authorization.k8s.io
  name: kdiag-limited
roleRef:
  kind: Role
  apiGroup: rbac.authorization.k8s.io
  name: kdiag-read-only
YAML

check_alive
finished=1
log "cluster ready in $((SECONDS - t0)) s: apiserver $api, state in $run"
log "stop it with: npm run cluster:down"
emit started
