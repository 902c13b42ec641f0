#!/bin/sh
# Recaptures the BIRD 2 outputs in tests/router/bird/data/ (the parser tests read them): routers
# A (a.conf) and B (b.conf) in two network namespaces joined by a veth pair, documentation
# addresses only, nothing installed in a FIB. Needs root (ip netns), bird and birdc.
# Usage: capture.sh [OUT_DIR]   (default: the folder above this script); KEEP=1 keeps the run
# folder (configurations, logs). bird_state_test.cpp names the capture's timestamps, line numbers
# and run folder: after a recapture, update its expectations.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/..}
run=$(mktemp -d)
echo "run dir: $run" >&2
na=birdcap-a-$$
nb=birdcap-b-$$

cleanup() {
  for pid_file in "$run/a.pid" "$run/b.pid"; do
    [ -s "$pid_file" ] && kill "$(cat "$pid_file")" 2>/dev/null || true
  done
  sleep 1
  ip netns del "$na" 2>/dev/null || true
  ip netns del "$nb" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$run"
}
trap cleanup EXIT INT TERM

ip netns add "$na"
ip netns add "$nb"
ip -n "$na" link add veth-a type veth peer name veth-b netns "$nb"
for host in 1 2 3 4; do ip -n "$na" addr add "192.0.2.$host/24" dev veth-a; done
ip -n "$na" addr add 2001:db8:ffff::1/64 dev veth-a nodad
for host in 11 12 13 14; do ip -n "$nb" addr add "192.0.2.$host/24" dev veth-b; done
ip -n "$nb" addr add 2001:db8:ffff::11/64 dev veth-b nodad
for n in "$na" "$nb"; do ip -n "$n" link set lo up; done
ip -n "$na" link set veth-a up
ip -n "$nb" link set veth-b up

cp "$here/a.conf" "$run/a.conf"
cp "$here/b.conf" "$run/b.conf"
a() { birdc -s "$run/a.ctl" "$@" || true; }

ip netns exec "$na" bird -c "$run/a.conf" -s "$run/a.ctl" -P "$run/a.pid" -D "$run/a.log"
sleep 2
a show protocols all > "$out/protocols_starting.txt"

ip netns exec "$nb" bird -c "$run/b.conf" -s "$run/b.ctl" -P "$run/b.pid" -D "$run/b.log"
# Established, the limit hit, the role refused: a few connect/retry rounds.
for _ in $(seq 1 30); do
  sleep 1
  text=$(a show protocols all)
  case $text in
    *"Role mismatch"*"Route limit exceeded"*|*"Route limit exceeded"*"Role mismatch"*) ;;
    *) continue ;;
  esac
  [ "$(printf '%s\n' "$text" | grep -c 'BGP state: *Established')" -ge 2 ] && break
done
sleep 1
a show protocols all > "$out/protocols_mixed.txt"
a show protocols all est_v4 > "$out/protocols_established_v4.txt"
a show protocols all est_v6 > "$out/protocols_established_two_channels.txt"
a show protocols all limit_v4 > "$out/protocols_receive_limit.txt"
a show protocols all role_v4 > "$out/protocols_role_mismatch.txt"
a show protocols all md5_v4 > "$out/protocols_md5_mismatch.txt"
a show protocols all absent_v4 > "$out/protocols_absent_peer.txt"
a show protocols all off_v4 > "$out/protocols_disabled.txt"
a show protocols > "$out/protocols_short.txt"

# birdc configure [check] answers, on the file BIRD runs (-c).
a configure check > "$out/configure_check_ok.txt"
printf 'protocol bgp broken {\n  local as 64500\n}\n' >> "$run/a.conf"
a configure check > "$out/configure_check_syntax_error.txt"
a configure > "$out/configure_refused.txt"
cp "$here/a.conf" "$run/a.conf"
sed 's/import filter from_peer_v4;/import filter no_such_filter;/' "$here/a.conf" > "$run/a.conf"
a configure check > "$out/configure_check_unknown_filter.txt"
cp "$here/a.conf" "$run/a.conf"
printf 'include "missing/*.conf";\ninclude "absent.conf";\n' >> "$run/a.conf"
a configure check > "$out/configure_check_missing_include.txt"
cp "$here/a.conf" "$run/a.conf"
printf 'protocol bgp est_v4 { local as 64500; neighbor 192.0.2.50 as 64507; ipv4; }\n' >> "$run/a.conf"
a configure check > "$out/configure_check_duplicate_protocol.txt"
cp "$here/a.conf" "$run/a.conf"
a configure > "$out/configure_ok.txt"

kill "$(cat "$run/a.pid")"
sleep 1
: > "$run/a.pid"
a show protocols all > "$out/protocols_daemon_stopped.txt" 2>&1
