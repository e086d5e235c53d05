#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok and etcd from the Go module proxy
# into a cache folder keyed by the pinned versions; a second run builds nothing. Prints the bin folder on stdout.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

cache_root=${KDIAG_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdiag/cluster}
key="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}"
out="$cache_root/$key"
bins="kube-apiserver kube-controller-manager kube-scheduler kubectl kwok etcd"
have_all() {
  for b in $bins; do [ -x "$out/bin/$b" ] || return 1; done
  [ -d "$out/kwok/kustomize/crd/bases" ] && [ -d "$out/kwok/kustomize/stage" ]
}
# A warm cache needs no Go at all: check it first.
if have_all; then echo "$out/bin"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "kdiag test cluster: Go is not installed (or not on PATH), and the binaries are not cached in $out/bin." >&2
  echo "kdiag test cluster: install Go >= 1.26 (https://go.dev/dl/) and retry; the first build takes minutes, later runs reuse the cache." >&2
  exit 127
fi
gover=$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)   # e.g. go1.26.8
gomajor=${gover#go}; gominor=${gomajor#*.}; gomajor=${gomajor%%.*}; gominor=${gominor%%.*}
if ! [ "${gomajor:-0}" -gt 1 -o \( "${gomajor:-0}" -eq 1 -a "${gominor:-0}" -ge 26 \) ] 2>/dev/null; then
  echo "kdiag test cluster: Go ${gover:-(unknown version)} is too old; Kubernetes $K8S_VERSION and kwok $KWOK_VERSION need Go >= 1.26 (https://go.dev/dl/)." >&2
  exit 1
fi
mkdir -p "$cache_root"
# One build at a time per cache folder (e.g. a developer's cluster:up racing an e2e run).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_root/.build.lock"
  if ! flock -n 9; then
    echo "kdiag test cluster: another build is running (lock $cache_root/.build.lock); waiting for it" >&2
    flock 9
  fi
  if have_all; then echo "$out/bin"; exit 0; fi
fi

log() { echo "kdiag test cluster: $*" >&2; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
mkdir -p "$out/bin" "$out/src/k8s" "$out/src/etcd"
staging="v0.${K8S_VERSION#1.}"
start=$(date +%s)

# Kubernetes + kwok: one throwaway main module, so the shared Kubernetes packages compile once.
cd "$out/src/k8s"
[ -f go.mod ] || go mod init local/k8sbins >/dev/null 2>&1
log "resolving k8s.io/kubernetes v$K8S_VERSION (its go.mod uses ./staging replaces; mapping them to $staging)"
kmod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
[ -n "$kmod" ] || { log "could not download the go.mod of k8s.io/kubernetes@v$K8S_VERSION"; exit 1; }
for m in $(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => \./staging/src/.*|\1|p' "$kmod"); do
  go mod edit -replace="$m=$m@$staging"
done
log "fetching modules (about 1 GB on a cold machine)"
go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" \
  "k8s.io/kubernetes/cmd/kube-controller-manager@v$K8S_VERSION" \
  "k8s.io/kubernetes/cmd/kube-scheduler@v$K8S_VERSION" \
  "k8s.io/kubernetes/cmd/kubectl@v$K8S_VERSION" \
  "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" >&2
minor=$(echo "$K8S_VERSION" | cut -d. -f2)
ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld+=" -X '$p.gitVersion=v$K8S_VERSION' -X '$p.gitMajor=1' -X '$p.gitMinor=$minor'"
  ld+=" -X '$p.gitTreeState=clean' -X '$p.gitCommit=0000000000000000000000000000000000000000'"
  ld+=" -X '$p.buildDate=1970-01-01T00:00:00Z'"
done
log "compiling kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok (about 5 minutes on 2 cores when cold, more on a slow disk or network)"
go build -ldflags "$ld" -o "$out/bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl sigs.k8s.io/kwok/cmd/kwok
# kwok's stage and CRD YAMLs ship in its module zip; keep a copy next to the binaries.
kwok_src=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
rm -rf "$out/kwok" && mkdir -p "$out/kwok" && cp -r "$kwok_src/kustomize" "$out/kwok/" && chmod -R u+w "$out/kwok"

# etcd: its server module has relative replaces too, so wrap etcdmain in a tiny main module.
cd "$out/src/etcd"
if [ ! -f go.mod ]; then
  go mod init local/etcdbin >/dev/null 2>&1
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > main.go
fi
log "building etcd v$ETCD_VERSION"
go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
go mod tidy >&2
go build -ldflags '-s -w' -o "$out/bin/etcd" .

"$out/bin/kube-apiserver" --version >&2
"$out/bin/etcd" --version | head -1 >&2
log "built in $(( $(date +%s) - start )) s into $out/bin"
echo "$out/bin"
