#!/usr/bin/env bash
# Fetches the Gateway API standard CRDs (the whole standard bundle of config/crd/standard) of the pinned version from
# the Go module proxy (the module zip of sigs.k8s.io/gateway-api; nothing is built) into a cache folder keyed by the
# version; a second run downloads nothing. Prints the folder holding the YAML files on stdout.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

cache_root=${KDIAG_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdiag/cluster}
out="$cache_root/gateway-api-${GATEWAY_API_VERSION}"
if [ -f "$out/.complete" ]; then echo "$out/standard"; exit 0; fi

for tool in curl unzip; do
  command -v "$tool" >/dev/null 2>&1 || { echo "kdiag test cluster: $tool is required to fetch the Gateway API CRDs" >&2; exit 1; }
done
proxy=${GOPROXY:-https://proxy.golang.org}
proxy=${proxy%%,*}
[ "$proxy" = direct ] || [ "$proxy" = off ] && proxy=https://proxy.golang.org
mod="sigs.k8s.io/gateway-api@v${GATEWAY_API_VERSION}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "kdiag test cluster: fetching the Gateway API v${GATEWAY_API_VERSION} standard CRDs from $proxy" >&2
curl -fsSL --retry 3 -o "$tmp/mod.zip" "$proxy/sigs.k8s.io/gateway-api/@v/v${GATEWAY_API_VERSION}.zip"
unzip -q "$tmp/mod.zip" "$mod/config/crd/standard/*" -d "$tmp/x"
mkdir -p "$out"
rm -rf "$out/standard"
mv "$tmp/x/$mod/config/crd/standard" "$out/standard"
: >"$out/.complete"
echo "$out/standard"
