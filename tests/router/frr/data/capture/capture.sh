#!/bin/sh
# Recaptures the FRR 8.4 answers in tests/router/frr/data/ (frr_state_test.cpp reads them): FRR's
# bgpd (-Z -S -M rpki -P 0, as the tests run it) in one network namespace, BIRD in another,
# joined by a veth pair; documentation addresses and ASNs only, nothing installed in a FIB.
# Needs root (ip netns), FRR's bgpd and vtysh, bird and birdc.
# Usage: capture.sh [OUT_DIR]   (default: the folder above this script); KEEP=1 keeps the run
# folder. frr_state_test.cpp names the captured times and counts: after a recapture, update its
# expectations.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/..}
run=$(mktemp -d)
echo "run dir: $run" >&2
na=frrcap-a-$$
nb=frrcap-b-$$

stop() {
  [ -s "$1" ] && kill "$(cat "$1")" 2>/dev/null || true
  rm -f "$1"
  sleep 1
}
cleanup() {
  stop "$run/bgpd.pid"
  stop "$run/bird.pid"
  ip netns del "$na" 2>/dev/null || true
  ip netns del "$nb" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$run"
}
trap cleanup EXIT INT TERM

ip netns add "$na"
ip netns add "$nb"
ip -n "$na" link add veth-a type veth peer name veth-b netns "$nb"
ip -n "$na" addr add 192.0.2.1/24 dev veth-a
ip -n "$na" addr add 2001:db8:ffff::1/64 dev veth-a nodad
ip -n "$nb" addr add 192.0.2.11/24 dev veth-b
ip -n "$nb" addr add 2001:db8:ffff::11/64 dev veth-b nodad
for n in "$na" "$nb"; do ip -n "$n" link set lo up; done
ip -n "$na" link set veth-a up
ip -n "$nb" link set veth-b up
mkdir -p "$run/vty"

v() { vtysh --vty_socket "$run/vty" -d bgpd "$@"; }
bgpd_start() {
  ip netns exec "$na" /usr/lib/frr/bgpd -d -Z -S -M rpki -P 0 -f "$1" -i "$run/bgpd.pid" \
    --vty_socket "$run/vty" --log "file:$run/bgpd.log"
  sleep 2
}
bird_config() {  # ROLE PASSWORD [extra protocols]
  cat > "$run/bird.conf" <<CONF
router id 192.0.2.11;
protocol device { }
protocol static s4 { ipv4; route 203.0.113.0/24 blackhole; route 203.0.113.0/25 blackhole; route 198.51.100.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:200::/40 blackhole; route 2001:db8:300::/48 blackhole; }
protocol bgp to_a {
  local 192.0.2.11 as 64501; neighbor 192.0.2.1 as 64500;
  password "$2"; local role $1;
  connect delay time 1; connect retry time 2; hold time 9; keepalive time 3; error wait time 1, 3;
  ipv4 { import all; export all; };
}
${3:-}
CONF
}
bird_reload() {
  if [ -s "$run/bird.pid" ]; then birdc -s "$run/bird.ctl" configure > /dev/null
  else ip netns exec "$nb" bird -c "$run/bird.conf" -s "$run/bird.ctl" -P "$run/bird.pid"; fi
}
wait_for() {  # PATTERN: until `show bgp neighbors json` matches
  for _ in $(seq 1 40); do
    v -c "show bgp neighbors json" | grep -q "$1" && return 0
    sleep 1
  done
  echo "timed out waiting for $1" >&2
  return 1
}

# One neighbor as peerapi renders it, its route-map accepting 203.0.113.0/24 only.
cat > "$run/single.conf" <<'CONF'
frr defaults traditional
ip prefix-list ACCEPT seq 5 permit 203.0.113.0/24
route-map IN permit 10
 match ip address prefix-list ACCEPT
exit
route-map OUT deny 10
exit
router bgp 64500
 bgp router-id 192.0.2.1
 no bgp default ipv4-unicast
 neighbor 192.0.2.11 remote-as 64501
 neighbor 192.0.2.11 description Example Access (AS64501) at Example IX (pdb:ix:1)
 neighbor 192.0.2.11 password s3cret-Example
 neighbor 192.0.2.11 local-role peer
 address-family ipv4 unicast
  neighbor 192.0.2.11 activate
  neighbor 192.0.2.11 maximum-prefix 50 90 restart 15
  neighbor 192.0.2.11 route-map IN in
  neighbor 192.0.2.11 route-map OUT out
 exit-address-family
exit
CONF
bird_config peer s3cret-Example
bird_reload
bgpd_start "$run/single.conf"
wait_for '"acceptedPrefixCounter":1'
sleep 5
v -c "show bgp neighbors json" > "$out/established_v4.json"

v -c "configure" -c "router bgp 64500" -c "neighbor 192.0.2.11 shutdown message maintenance now"
sleep 1
v -c "show bgp neighbors json" > "$out/admin_shutdown.json"

# Three routes accepted, a limit of two: FRR sends the Cease and holds the neighbor down.
v -c "configure" -c "ip prefix-list ACCEPT seq 10 permit 0.0.0.0/0 le 32" -c "router bgp 64500" \
  -c "no neighbor 192.0.2.11 shutdown" -c "address-family ipv4 unicast" \
  -c "neighbor 192.0.2.11 maximum-prefix 2 90 restart 1"
wait_for '"prefixesConfigExceedMax":true'
v -c "show bgp neighbors json" > "$out/max_prefix.json"

# BIRD claims to be our customer: RFC 9234 role mismatch, FRR sends the OPEN error.
v -c "configure" -c "router bgp 64500" -c "address-family ipv4 unicast" \
  -c "neighbor 192.0.2.11 maximum-prefix 50 90 restart 15"
v -c "clear bgp 192.0.2.11"
bird_config customer s3cret-Example
bird_reload
wait_for 'Role Mismatch'
v -c "show bgp neighbors json" > "$out/role_mismatch.json"

# Another TCP MD5 secret on a fresh bgpd: no session, no error.
stop "$run/bgpd.pid"
bird_config peer wrong-secret
bird_reload
bgpd_start "$run/single.conf"
sleep 8
v -c "show bgp neighbors json" > "$out/md5_wrong.json"

# Several neighbors: IPv4 and IPv6 up, one nobody answers, one shut down.
stop "$run/bgpd.pid"
cat > "$run/several.conf" <<'CONF'
frr defaults traditional
ip prefix-list ANY4 seq 5 permit 0.0.0.0/0 le 24
ipv6 prefix-list ANY6 seq 5 permit ::/0 le 48
route-map IN4 permit 10
 match ip address prefix-list ANY4
exit
route-map IN6 permit 10
 match ipv6 address prefix-list ANY6
exit
route-map OUT deny 10
exit
router bgp 64500
 bgp router-id 192.0.2.1
 no bgp default ipv4-unicast
 neighbor 192.0.2.11 remote-as 64501
 neighbor 192.0.2.11 description Example Access v4
 neighbor 192.0.2.11 password s3cret-Example
 neighbor 192.0.2.11 local-role peer
 neighbor 2001:db8:ffff::11 remote-as 64501
 neighbor 2001:db8:ffff::11 description Example Access v6
 neighbor 192.0.2.12 remote-as 64502
 neighbor 192.0.2.13 remote-as 64503
 neighbor 192.0.2.13 shutdown message planned maintenance
 address-family ipv4 unicast
  neighbor 192.0.2.11 activate
  neighbor 192.0.2.11 route-map IN4 in
  neighbor 192.0.2.11 route-map OUT out
  neighbor 192.0.2.11 maximum-prefix 50 90 restart 15
  neighbor 192.0.2.12 activate
  neighbor 192.0.2.12 route-map IN4 in
  neighbor 192.0.2.12 route-map OUT out
  neighbor 192.0.2.13 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor 2001:db8:ffff::11 activate
  neighbor 2001:db8:ffff::11 route-map IN6 in
  neighbor 2001:db8:ffff::11 route-map OUT out
 exit-address-family
exit
CONF
bird_config peer s3cret-Example 'protocol bgp to_a6 {
  local 2001:db8:ffff::11 as 64501; neighbor 2001:db8:ffff::1 as 64500;
  connect delay time 1; connect retry time 2; hold time 9; keepalive time 3; error wait time 1, 3;
  ipv6 { import all; export all; };
}'
bird_reload
bgpd_start "$run/several.conf"
wait_for '"acceptedPrefixCounter":2'
sleep 3
v -c "show bgp neighbors json" > "$out/several.json"
