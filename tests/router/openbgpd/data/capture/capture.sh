#!/bin/sh
# Recaptures the OpenBGPD 7.7 answers in tests/router/openbgpd/data/ (bgpctl_state_test.cpp reads
# them): bgpd in one network namespace, BIRD in another, joined by a veth pair; documentation
# addresses and ASNs only, nothing installed in a FIB (bgpd's `fib-update` only touches the
# namespace's own table, which nothing uses). bgpd takes its control socket from bgpd.conf only,
# so it runs in a mount namespace where /run is a fresh tmpfs and /run/openbgpd is the run folder.
# Needs root (ip netns, mount), bgpd, bgpctl, bird and birdc.
# Usage: capture.sh [OUT_DIR]   (default: the folder above this script); KEEP=1 keeps the run
# folder. bgpctl_state_test.cpp names the captured times and counts: after a recapture, update
# its expectations.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/..}
run=$(mktemp -d)
echo "run dir: $run" >&2
na=obgpcap-a-$$
nb=obgpcap-b-$$
bgpd_pid=

cleanup() {
  [ -n "$bgpd_pid" ] && kill "$bgpd_pid" 2>/dev/null || true
  [ -s "$run/bird.pid" ] && kill "$(cat "$run/bird.pid")" 2>/dev/null || true
  sleep 1
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
mkdir -m 755 "$run/sock"

b() { bgpctl -s "$run/sock/bgpd.sock.0" "$@"; }
bgpd_start() {
  ip netns exec "$na" unshare --mount --propagation private sh -c \
    "mount -t tmpfs tmpfs /run && mkdir /run/openbgpd && mount --bind '$run/sock' /run/openbgpd && exec bgpd -d -f '$1'" \
    > "$run/bgpd.log" 2>&1 &
  bgpd_pid=$!
  sleep 2
}
bgpd_stop() {
  kill "$bgpd_pid"
  bgpd_pid=
  sleep 1
}
bird_config() {  # ROLE PASSWORD
  cat > "$run/bird.conf" <<CONF
router id 192.0.2.11;
protocol device { }
protocol static s4 { ipv4; route 203.0.113.0/24 blackhole; route 203.0.113.0/25 blackhole; route 198.51.100.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:200::/40 blackhole; route 2001:db8:300::/48 blackhole; route 2001:db8:300:1::/64 blackhole; }
protocol bgp to_a {
  local 192.0.2.11 as 64501; neighbor 192.0.2.1 as 64500;
  password "$2"; local role $1;
  connect delay time 1; connect retry time 2; hold time 9; keepalive time 3; error wait time 1, 3;
  ipv4 { import all; export all; };
}
protocol bgp to_a6 {
  local 2001:db8:ffff::11 as 64501; neighbor 2001:db8:ffff::1 as 64500;
  connect delay time 1; connect retry time 2; hold time 9; keepalive time 3; error wait time 1, 3;
  ipv6 { import all; export all; };
}
CONF
  if [ -s "$run/bird.pid" ]; then birdc -s "$run/bird.ctl" configure > /dev/null
  else ip netns exec "$nb" bird -c "$run/bird.conf" -s "$run/bird.ctl" -P "$run/bird.pid"; fi
}
wait_for() {  # PATTERN: until `bgpctl show neighbor` matches
  for _ in $(seq 1 40); do
    b show neighbor | grep -q "$1" && return 0
    sleep 1
  done
  echo "timed out waiting for $1" >&2
  return 1
}

single() {  # MAX-PREFIX-STATEMENT
  cat > "$run/single.conf" <<CONF
AS 64500
router-id 192.0.2.1
neighbor 192.0.2.11 {
	descr "Example Access @ Example IX"
	remote-as 64501
	local-address 192.0.2.1
	tcp md5sig password "s3cret-Example"
	announce policy peer
	$1
}
allow from any
deny to any
CONF
}

single "max-prefix 50 restart 15"
bird_config peer s3cret-Example
bgpd_start "$run/single.conf"
wait_for "BGP state = Established"
sleep 5
b show neighbor > "$out/established.txt"

b neighbor 192.0.2.11 down "maintenance now"
sleep 1
b show neighbor > "$out/admin_down.txt"

# Three prefixes received, a limit of two: bgpd sends the Cease and idles until the restart.
single "max-prefix 2 restart 1"
b reload
b neighbor 192.0.2.11 up
wait_for "max-prefix exceeded"
b show neighbor > "$out/max_prefix.txt"

# BIRD claims to be our customer: RFC 9234 role mismatch, bgpd sends the OPEN error.
single "max-prefix 50 restart 15"
b reload
bird_config customer s3cret-Example
b neighbor 192.0.2.11 clear
wait_for "role mismatch"
sleep 2
b show neighbor > "$out/role_mismatch.txt"
bgpd_stop

# Several neighbors on a fresh bgpd. First with another TCP MD5 secret on the IPv4 session (no
# session, no error), then with the right one: IPv4 and IPv6 up, one nobody answers, one down.
cat > "$run/several.conf" <<'CONF'
AS 64500
router-id 192.0.2.1
neighbor 192.0.2.11 {
	descr "Example Access v4"
	remote-as 64501
	local-address 192.0.2.1
	tcp md5sig password "s3cret-Example"
	announce policy peer
	max-prefix 50 restart 15
}
neighbor 2001:db8:ffff::11 {
	descr "Example Access v6"
	remote-as 64501
	local-address 2001:db8:ffff::1
	announce IPv6 unicast
}
neighbor 192.0.2.12 {
	descr "Nobody home"
	remote-as 64502
}
neighbor 192.0.2.13 {
	descr "Held down"
	remote-as 64503
	down "planned maintenance"
}
allow from any
deny from any inet prefixlen > 24
deny to any
CONF
bird_config peer wrong-secret
bgpd_start "$run/several.conf"
sleep 6
b show neighbor 192.0.2.11 > "$out/md5_wrong.txt"
bird_config peer s3cret-Example
b neighbor 192.0.2.11 clear
for _ in $(seq 1 40); do
  [ "$(b show neighbor | grep -c 'BGP state = Established')" -ge 2 ] && break
  sleep 1
done
sleep 3
b show neighbor > "$out/several.txt"
