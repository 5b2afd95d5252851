# shellcheck shell=bash
# The shell labs' rig, in one place (scripts/demo, scripts/bench, scripts/lab/*; the Java copy is the labkit module):
# network namespaces, veth underlays, a switch, the kernel VXLAN peer programmed as flanneld programs flannel.1,
# weft's static data plane, and cleanup. Source it. Every function takes the namespace it works in first; "" is the
# namespace the caller runs in. Run as a command it runs one kernel-peer function, for programs that cannot source
# it (scripts/lab/mini-flanneld):  scripts/lab/lib/rig.sh wlab_kvx_peer "" flannel.1 10.244.2.0 0e:.. 10.98.0.2 10.244.2.0/24

WLAB_PIDS=()   # processes a lab started (wlab_cleanup stops them first)

# wlab_ip NS ARGS...: ip in NS
wlab_ip() { local ns=$1; shift; ip ${ns:+-n "$ns"} "$@"; }

# wlab_in NS COMMAND...: COMMAND in NS
wlab_in() {
  local ns=$1; shift
  if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

# wlab_ns NAME: a namespace with its loopback up
wlab_ns() { ip netns add "$1"; ip -n "$1" link set lo up; }

# wlab_veth NS_A DEV_A NS_B DEV_B: a veth pair from NS_A to NS_B, both ends still down
wlab_veth() { ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"; }

# wlab_pair NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B: two new namespaces joined by a veth, addressed and up (an underlay)
wlab_pair() {
  wlab_ns "$1"; wlab_ns "$4"
  wlab_veth "$1" "$2" "$4" "$5"
  ip -n "$1" addr add "$3" dev "$2"; ip -n "$4" addr add "$6" dev "$5"
  ip -n "$1" link set "$2" up; ip -n "$4" link set "$5" up
}

# wlab_switch NS ADDR: a new switch namespace whose bridge br0 holds ADDR
wlab_switch() {
  wlab_ns "$1"
  ip -n "$1" link add br0 type bridge
  ip -n "$1" addr add "$2" dev br0
  ip -n "$1" link set br0 up
}

# wlab_switch_port SW NS PORT ADDR: NS's eth0 on SW's bridge (veth PORTi/PORTo), with ADDR, up
wlab_switch_port() {
  local sw=$1 ns=$2 port=$3
  wlab_veth "$ns" "${port}i" "$sw" "${port}o"
  ip -n "$ns" link set "${port}i" name eth0
  ip -n "$ns" addr add "$4" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$sw" link set "${port}o" master br0 up
}

# wlab_kvx NS DEV VNI MAC MTU UNDERLAY_DEV LOCAL_IP ADDR [PORT]: a kernel vxlan device as flanneld creates flannel.<VNI>
# (flannel-compat.md §2.2): MAC = VtepMAC, nolearning, ADDR = <subnet>.0/32 (or /128 for flannel-v6), up. Without
# PORT the kernel's default (8472), as flanneld leaves it when Backend.Port is unset.
wlab_kvx() {
  local ns=$1 dev=$2 port=${9:-}
  wlab_ip "$ns" link add "$dev" address "$4" mtu "$5" type vxlan id "$3" dev "$6" local "$7" nolearning ${port:+dstport "$port"}
  case $8 in
    *:*) wlab_ip "$ns" -6 addr add "$8" dev "$dev" nodad ;;
    *) wlab_ip "$ns" addr add "$8" dev "$dev" ;;
  esac
  wlab_ip "$ns" link set "$dev" up
}

# wlab_kvx_peer NS DEV PEER_VTEP_IP PEER_MAC PEER_PUBLIC_IP PEER_SUBNET: one remote lease on DEV, as flanneld programs
# it (flannel-compat.md §2.6): a permanent neighbour entry, a permanent self FDB entry and an onlink route, in that order.
wlab_kvx_peer() {
  wlab_ip "$1" neigh replace "$3" lladdr "$4" dev "$2" nud permanent
  wlab_in "$1" bridge fdb replace "$4" dev "$2" dst "$5" self permanent
  wlab_ip "$1" route replace "$6" via "$3" dev "$2" onlink
}

# wlab_kvx_unpeer NS DEV PEER_VTEP_IP PEER_MAC PEER_PUBLIC_IP PEER_SUBNET: removes what wlab_kvx_peer added (what is left of it)
wlab_kvx_unpeer() {
  wlab_ip "$1" route del "$6" via "$3" dev "$2" onlink 2>/dev/null || true
  wlab_in "$1" bridge fdb del "$4" dev "$2" dst "$5" self 2>/dev/null || true
  wlab_ip "$1" neigh del "$3" dev "$2" 2>/dev/null || true
}

# wlab_direct_peer NS PEER_PUBLIC_IP PEER_SUBNET: one remote lease under Backend.DirectRouting, for a peer on the same L2
# segment, as flanneld programs it (flannel-compat.md §2.6): only a route to its subnet via its PublicIP, no
# neighbour or FDB entry, no encapsulation.
wlab_direct_peer() { wlab_ip "$1" route replace "$3" via "$2"; }

# wlab_direct_unpeer NS PEER_PUBLIC_IP PEER_SUBNET: removes what wlab_direct_peer added
wlab_direct_unpeer() { wlab_ip "$1" route del "$3" via "$2" 2>/dev/null || true; }

# wlab_namespaces PREFIX: the namespaces whose names start with PREFIX
wlab_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$1" || true; }

# wlab_pids PREFIX: the processes this lab started and those in its namespaces
wlab_pids() {
  local ns
  printf '%s\n' "${WLAB_PIDS[@]+"${WLAB_PIDS[@]}"}"
  for ns in $(wlab_namespaces "$1"); do ip netns pids "$ns" 2>/dev/null || true; done
}

# wlab_cleanup PREFIX: SIGTERM to the lab's processes (weft then undoes its host setup, as under systemd, and a JVM with
# -XX:+DumpPerfMapAtExit writes its map), up to 10 s for them to exit, SIGKILL for the rest; then deletes the PREFIX*
# namespaces and any PREFIX* link left in ours.
wlab_cleanup() {
  local prefix=$1 pid pids ns l alive
  pids=$(wlab_pids "$prefix")
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in $(wlab_pids "$prefix"); do kill -9 "$pid" 2>/dev/null || true; done
  for ns in $(wlab_namespaces "$prefix"); do ip netns del "$ns" 2>/dev/null || true; done
  for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$prefix" || true); do
    ip link del "$l" 2>/dev/null || true
  done
  WLAB_PIDS=()
}

# --- the two-namespace pairs of dp-bench and profile: set P (the namespace prefix), CP (weft's classpath) and JAVA.

WLAB_MAIN=io.weft.dataplane.lab.StaticDataPlaneMain
# Underlay addresses, pod subnets and VtepMACs of side A and side B.
WDP_A=(10.98.0.1 10.244.1.0 0e:2a:00:00:00:01)
WDP_B=(10.98.0.2 10.244.2.0 0e:2a:00:00:00:02)

# wdp_pair <name> [tx offload on|off]: namespaces <P><name>a / <P><name>b, veth 10.98.0.1 / 10.98.0.2, GRO on.
# The veths keep their default offloads (TX checksum offload on, so a kernel vxlan sender leaves inner checksums
# partial, as in any container lab) unless "off" asks for the case where every checksum is final on the wire.
wdp_pair() {
  wlab_pair "$P${1}a" "${P}${1}va" 10.98.0.1/24 "$P${1}b" "${P}${1}vb" 10.98.0.2/24
  ip netns exec "$P${1}a" ethtool -K "${P}${1}va" gro on >/dev/null
  ip netns exec "$P${1}b" ethtool -K "${P}${1}vb" gro on >/dev/null
  if [ "${2:-on}" = off ]; then
    ip netns exec "$P${1}a" ethtool -K "${P}${1}va" tx off >/dev/null
    ip netns exec "$P${1}b" ethtool -K "${P}${1}vb" tx off >/dev/null
  fi
}

# wdp_kvx <ns> <veth> <own ip> <own subnet.0> <own mac> <peer ip> <peer subnet.0> <peer mac>: flanneld-style flannel.1
wdp_kvx() {
  wlab_kvx "$1" flannel.1 1 "$5" 1450 "$2" "$3" "$4/32" 8472
  wlab_kvx_peer "$1" flannel.1 "$7" "$8" "$6" "$7/24"
}

# wdp_weft <ns> <subnet> <mac> <peer subnet> <peer ip> <peer mac> [weft]: weft's data plane with one static peer
# ("weft": the peer is a weft host, as the agent learns from its record beside the lease), started
# and "ready"; its stdin stays open (it quits at end of input) and its log is /tmp/wdp-<ns>.log. JVM options from
# WDP_JAVA_OPTS; WEFT_WORKERS, WEFT_OFFLOADS as in dp-bench.
wdp_weft() {
  local fifo fd log=/tmp/wdp-$1.log
  fifo=$(mktemp -u /tmp/wdp-XXXX); mkfifo "$fifo"
  # shellcheck disable=SC2086
  ip netns exec "$1" "$JAVA" ${WDP_JAVA_OPTS:-} -cp "$CP" $WLAB_MAIN --device "${P}t0" --subnet "$2" \
      --network 10.244.0.0/16 --mac "$3" --workers "${WEFT_WORKERS:-1}" --offloads "${WEFT_OFFLOADS:-on}" \
      --peer "$4,$5,$6${7:+,$7}" <"$fifo" >"$log" 2>&1 &
  WLAB_PIDS+=($!); disown $!
  exec {fd}>"$fifo"; rm -f "$fifo"
  for _ in $(seq 1 100); do grep -q ready "$log" 2>/dev/null && return 0; sleep 0.2; done
  echo "weft did not start in $1:"; cat "$log"; exit 1
}

# wdp_cleanup: wlab_cleanup of every <P>* namespace
wdp_cleanup() { wlab_cleanup "$P"; }

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case ${1:-} in
    wlab_kvx | wlab_kvx_peer | wlab_kvx_unpeer | wlab_direct_peer | wlab_direct_unpeer) "$@" ;;
    *) echo "usage: $0 wlab_kvx|wlab_kvx_peer|wlab_kvx_unpeer|wlab_direct_peer|wlab_direct_unpeer NS ARGS... (see the comments in $0)" >&2; exit 2 ;;
  esac
fi
