# kdiag test cluster: the one implementation behind every file in test/cluster/shims/.
#
# KWOK runs `kubectl exec` argv on THIS host, with PATH holding only test/cluster/shims/. Each shim execs
#   /bin/bash lib/shim.bash <name> <args...>
# and this file prints canned answers. Rules: it uses bash builtins only (PATH has nothing else), it never opens
# a socket, and the only programs it runs by absolute path are /bin/bash (restricted, for sh -c) and /bin/sleep
# (bounded). Reading stdin stops after KDIAG_SHIM_STDIN_IDLE seconds (default 10) without input.
#
# Data it reads (all optional), from $KDIAG_SHIM_DATA (the ClusterExec sets it to <run dir>/shim-data):
#   dns.txt      lines "<name> <ip>": answers for nslookup, dig, host, getent, ping, curl, wget, nc (several lines
#                for one name: several addresses, in file order); lines "<name> SRV <priority> <weight> <port>
#                <target>": SRV records for `nslookup -type=SRV`
#   closed.txt   lines "<host>:<port>": curl, wget and nc report "connection refused" for them
# Other environment: KDIAG_SHIM_NAMESPACE (search path, default "default"), KDIAG_SHIM_DOMAIN (the cluster domain
# of the search path and of /etc/resolv.conf, default "cluster.local"), KDIAG_SHIM_HOSTNAME,
# KDIAG_SHIM_SLEEP_MAX (seconds, default 60).
set -u
shim_name=${1:-}
shift || true

data=${KDIAG_SHIM_DATA:-}
ns=${KDIAG_SHIM_NAMESPACE:-default}
dns_server=10.96.0.10
domain=${KDIAG_SHIM_DOMAIN:-cluster.local}
domain=${domain%.}
search="$ns.svc.$domain svc.$domain $domain"

lower() { printf '%s' "${1,,}"; }

# lookup NAME [TYPE] -> prints "fqdn value" lines for every record of TYPE (A, the default, or SRV, whose value is
# "priority weight port target") of the first candidate name that has any (search path applied as with ndots:5);
# returns 1 if none. lookup1 NAME -> the first such line.
lookup() {
  local name type=${2:-A} qname cands=() n key rtype rest found=0
  name=$(lower "$1")
  if [[ $type == A && $name =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then printf '%s %s\n' "$name" "$name"; return 0; fi
  if [[ $name == *. ]]; then
    cands=("${name%.}")
  else
    n=${name//[^.]/}
    for d in $search; do cands+=("$name.$d"); done
    if ((${#n} >= 5)); then cands=("$name" "${cands[@]}"); else cands+=("$name"); fi
  fi
  for qname in "${cands[@]}"; do
    if [[ $type == A && $qname == "kubernetes.default.svc.$domain" ]]; then printf '%s 10.96.0.1\n' "$qname"; return 0; fi
    if [[ $type == A && $qname == localhost ]]; then printf 'localhost 127.0.0.1\n'; return 0; fi
    if [[ -n $data && -r $data/dns.txt ]]; then
      while read -r key rtype rest; do
        [[ -z ${key:-} || $key == \#* || -z ${rtype:-} ]] && continue
        key=$(lower "${key%.}")
        [[ $key == "$qname" ]] || continue
        if [[ $rtype == SRV ]]; then
          [[ $type == SRV ]] && { printf '%s %s\n' "$qname" "$rest"; found=1; }
        elif [[ $type == A ]]; then
          printf '%s %s\n' "$qname" "$rtype"; found=1
        fi
      done <"$data/dns.txt"
      ((found)) && return 0
    fi
  done
  return 1
}

lookup1() { local r; r=$(lookup "$@") || return 1; printf '%s\n' "${r%%$'\n'*}"; }

closed() { # closed HOST PORT
  local line
  [[ -n $data && -r $data/closed.txt ]] || return 1
  while read -r line; do [[ $line == "$1:$2" ]] && return 0; done <"$data/closed.txt"
  return 1
}

first_search_fqdn() { local d; for d in $search; do printf '%s.%s' "$1" "$d"; return; done; }

url_host_port() { # url_host_port URL -> "host port"
  local u=$1 scheme=http hostport host port
  [[ $u == *://* ]] && { scheme=${u%%://*}; u=${u#*://}; }
  hostport=${u%%/*}; hostport=${hostport##*@}
  if [[ $hostport == *:* ]]; then host=${hostport%:*}; port=${hostport##*:}
  else host=$hostport; [[ $scheme == https ]] && port=443 || port=80; fi
  printf '%s %s\n' "$host" "$port"
}

case "$shim_name" in
nslookup)
  name=""; type=A
  for a in "$@"; do
    case $a in
    -type=*|-query=*|-q=*|-t=*) type=${a#*=}; type=${type^^} ;;
    -*) ;;
    *) [[ -z $name ]] && name=$a ;;
    esac
  done
  [[ -n $name ]] || { echo "nslookup: usage: nslookup [-type=A|SRV] NAME (kdiag shim)" >&2; exit 1; }
  [[ $type == SRV ]] || type=A
  printf 'Server:\t\t%s\nAddress:\t%s#53\n\n' "$dns_server" "$dns_server"
  if r=$(lookup "$name" "$type"); then
    if [[ $type == SRV ]]; then
      # bind's format: "NAME<TAB>service = PRIORITY WEIGHT PORT TARGET." per record
      while read -r fq p w port target; do printf '%s\tservice = %s %s %s %s.\n' "$fq" "$p" "$w" "$port" "${target%.}"; done <<<"$r"
      echo
    else
      while read -r fq ip; do printf 'Name:\t%s\nAddress: %s\n' "$fq" "$ip"; done <<<"$r"
      echo
    fi
  else
    printf "** server can't find %s: NXDOMAIN\n\n" "$(first_search_fqdn "$name")"
    exit 1
  fi
  ;;
dig)
  short=0; name=""
  for a in "$@"; do
    case $a in +short) short=1 ;; +*|@*|-*) ;; A|AAAA|SRV|CNAME|ANY|a|aaaa|srv) ;; *) [[ -z $name ]] && name=$a ;; esac
  done
  [[ -n $name ]] || name=.
  if r=$(lookup1 "${name%.}."); then status=NOERROR; else status=NXDOMAIN; r=""; fi
  if ((short)); then [[ -n $r ]] && echo "${r##* }"; exit 0; fi
  printf '; <<>> DiG (kdiag shim) <<>> %s\n;; ->>HEADER<<- opcode: QUERY, status: %s, id: 1\n\n' "$name" "$status"
  printf ';; QUESTION SECTION:\n;%s.\t\tIN\tA\n\n' "${name%.}"
  [[ -n $r ]] && printf ';; ANSWER SECTION:\n%s.\t30\tIN\tA\t%s\n\n' "${r% *}" "${r##* }"
  printf ';; SERVER: %s#53(%s)\n' "$dns_server" "$dns_server"
  ;;
host)
  name=""; for a in "$@"; do [[ $a == -* ]] && continue; [[ -z $name ]] && name=$a; done
  if r=$(lookup "$name"); then while read -r fq ip; do echo "$fq has address $ip"; done <<<"$r"; else echo "Host $name not found: 3(NXDOMAIN)"; exit 1; fi
  ;;
getent)
  db=${1:-}; name=${2:-}
  case $db in
  hosts) if r=$(lookup "$name"); then while read -r fq ip; do printf '%-15s %s\n' "$ip" "$fq"; done <<<"$r"; else exit 2; fi ;;
  ahosts|ahostsv4)
    # glibc's format: per address a STREAM, a DGRAM and a RAW line; the canonical name on the very first line only.
    if r=$(lookup "$name"); then
      first=1
      while read -r fq ip; do
        if ((first)); then printf '%-15s STREAM %s\n' "$ip" "$fq"; first=0; else printf '%-15s STREAM\n' "$ip"; fi
        printf '%-15s DGRAM\n%-15s RAW\n' "$ip" "$ip"
      done <<<"$r"
    else exit 2; fi ;;
  *) exit 2 ;;
  esac
  ;;
ping)
  name=""; for a in "$@"; do [[ $a == -* || $a =~ ^[0-9]+$ ]] && continue; [[ -z $name ]] && name=$a; done
  if r=$(lookup1 "$name"); then
    printf 'PING %s (%s): 56 data bytes\n64 bytes from %s: seq=0 ttl=64 time=0.100 ms\n\n' "$name" "${r##* }" "${r##* }"
    printf -- '--- %s ping statistics ---\n1 packets transmitted, 1 packets received, 0%% packet loss\n' "$name"
  else echo "ping: bad address '$name'" >&2; exit 1; fi
  ;;
curl)
  url=""; fmt=""; head=0; expect_arg=""
  for a in "$@"; do
    if [[ -n $expect_arg ]]; then [[ $expect_arg == w ]] && fmt=$a; expect_arg=""; continue; fi
    case $a in
    -w|--write-out) expect_arg=w ;;
    -o|--output|-m|--max-time|--connect-timeout|-H|--header|-X|--request|-d|--data|-u|--user|-A|--user-agent) expect_arg=x ;;
    -I|--head) head=1 ;;
    -*) ;;
    *) [[ -z $url ]] && url=$a ;;
    esac
  done
  read -r host port < <(url_host_port "$url")
  if ! lookup "$host" >/dev/null; then echo "curl: (6) Could not resolve host: $host" >&2; exit 6; fi
  if closed "$host" "$port"; then echo "curl: (7) Failed to connect to $host port $port: Connection refused" >&2; exit 7; fi
  if ((head)); then printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n'
  elif [[ -z $fmt ]]; then echo "kdiag-shim: canned 200 OK from $url"; fi
  [[ -n $fmt ]] && { fmt=${fmt//'%{http_code}'/200}; fmt=${fmt//'%{exitcode}'/0}; printf '%b' "$fmt"; }
  exit 0
  ;;
wget)
  url=""; for a in "$@"; do [[ $a == -* ]] && continue; [[ -z $url ]] && url=$a; done
  read -r host port < <(url_host_port "$url")
  if ! lookup "$host" >/dev/null; then echo "wget: bad address '$host'" >&2; exit 1; fi
  if closed "$host" "$port"; then echo "wget: can't connect to remote host: Connection refused" >&2; exit 1; fi
  echo "kdiag-shim: canned 200 OK from $url"
  ;;
nc|ncat|netcat)
  zero=0; verbose=0; args=(); expect_arg=0
  for a in "$@"; do
    if ((expect_arg)); then expect_arg=0; continue; fi
    case $a in -w|-i|-p|-s) expect_arg=1 ;; -*) [[ $a == *z* ]] && zero=1; [[ $a == *v* ]] && verbose=1 ;; *) args+=("$a") ;; esac
  done
  host=${args[0]:-}; port=${args[1]:-}
  [[ -n $host && -n $port ]] || { echo "nc: usage: nc [-zv] [-w secs] HOST PORT (kdiag shim)" >&2; exit 1; }
  if ! r=$(lookup1 "$host"); then echo "nc: bad address '$host'" >&2; exit 1; fi
  if closed "$host" "$port"; then echo "nc: connect to $host port $port (tcp) failed: Connection refused" >&2; exit 1; fi
  ((verbose)) && echo "Connection to $host (${r##* }) $port port [tcp/*] succeeded!" >&2
  exit 0
  ;;
ss|netstat)
  printf 'Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n'
  printf 'tcp   LISTEN 0      4096         0.0.0.0:8080      0.0.0.0:*\n'
  printf 'tcp   LISTEN 0      4096         0.0.0.0:80        0.0.0.0:*\n'
  ;;
ip)
  case "${1:-}" in
  r|route) echo "default via 10.244.0.1 dev eth0"; echo "10.244.0.0/24 dev eth0 proto kernel scope link src 10.244.0.2" ;;
  *) printf '1: lo: <LOOPBACK,UP> mtu 65536\n    inet 127.0.0.1/8 scope host lo\n'
     printf '2: eth0: <BROADCAST,UP> mtu 1500\n    inet 10.244.0.2/24 scope global eth0\n' ;;
  esac
  ;;
hostname) echo "${KDIAG_SHIM_HOSTNAME:-kwok-pod}" ;;
echo) echo "$@" ;;
true) exit 0 ;;
false) exit 1 ;;
env|printenv)
  if (($#)); then for v in "$@"; do [[ -v $v ]] && printf '%s\n' "${!v}"; done
  else for v in $(compgen -e); do printf '%s=%s\n' "$v" "${!v}"; done; fi
  ;;
cat)
  if (($# == 0)) || [[ $* == - ]]; then
    # stdin to stdout, line by line. KWOK v0.8.0 never closes an exec'd command's stdin, so EOF may never come:
    # stop after KDIAG_SHIM_STDIN_IDLE seconds (default 10) without input instead of lingering forever.
    while IFS= read -r -t "${KDIAG_SHIM_STDIN_IDLE:-10}" line; do printf '%s\n' "$line"; done
    [[ -n ${line:-} ]] && printf '%s' "$line"
    exit 0
  fi
  rc=0
  for f in "$@"; do
    case $f in
    /etc/resolv.conf) printf 'search %s\nnameserver %s\noptions ndots:5\n' "$search" "$dns_server" ;;
    /etc/hosts) printf '127.0.0.1\tlocalhost\n10.244.0.2\t%s\n' "${KDIAG_SHIM_HOSTNAME:-kwok-pod}" ;;
    /etc/hostname) echo "${KDIAG_SHIM_HOSTNAME:-kwok-pod}" ;;
    *) echo "cat: $f: No such file or directory" >&2; rc=1 ;;
    esac
  done
  exit $rc
  ;;
sleep)
  max=${KDIAG_SHIM_SLEEP_MAX:-60}; total=0
  for a in "$@"; do
    case $a in
    inf|infinity) total=$max ;;
    *[0-9]d) total=$((total + ${a%%[.d]*} * 86400)) ;;
    *[0-9]h) total=$((total + ${a%%[.h]*} * 3600)) ;;
    *[0-9]m) total=$((total + ${a%%[.m]*} * 60)) ;;
    [0-9]*) a=${a%s}; total=$((total + ${a%%.*})) ;;
    *) echo "sleep: invalid time interval '$a'" >&2; exit 1 ;;
    esac
  done
  # The whole-second sum decides; below the bound the original (possibly fractional) arguments are kept.
  ((total >= max)) && exec /bin/sleep "$max"
  exec /bin/sleep "$@"
  ;;
sh|bash|ash|dash)
  # A restricted bash: commands resolve through PATH (the shims) only, no names with '/', no output redirection.
  # Bash's /dev/tcp and /dev/udp pseudo-files would open sockets, so scripts that mention them are refused.
  script=""; have_c=0; rest=()
  while (($#)); do
    case $1 in
    -c) have_c=1; script=${2:-}; shift 2 || shift; rest=("$@"); break ;;
    -*) shift ;;
    *) break ;;
    esac
  done
  refuse_net() {
    if [[ $1 == */dev/tcp* || $1 == */dev/udp* ]]; then
      echo "$shim_name: /dev/tcp and /dev/udp are disabled in the kdiag test cluster (nothing may dial pod or service IPs)" >&2
      return 0
    fi
    return 1
  }
  if ((have_c)); then
    refuse_net "$script" && exit 126
    exec /bin/bash --norc --noprofile -r -c "$script" "${rest[@]+"${rest[@]}"}"
  fi
  # Commands on stdin (kubectl exec -i, with or without a TTY). KWOK v0.8.0 never closes the command's stdin when
  # the client's ends, so read and run one line at a time instead of waiting for EOF.
  rc=0
  [[ -t 0 ]] && printf '$ ' >&2
  while IFS= read -r -t "${KDIAG_SHIM_STDIN_IDLE:-10}" line; do
    if [[ $line == exit || $line == exit\ * ]]; then n=${line#exit}; n=${n// /}; exit "${n:-$rc}"; fi
    if refuse_net "$line"; then rc=126; else /bin/bash --norc --noprofile -r -c "$line"; rc=$?; fi
    [[ -t 0 ]] && printf '$ ' >&2
  done
  exit $rc
  ;;
*)
  echo "kdiag shim: unknown shim '$shim_name'" >&2
  exit 127
  ;;
esac
