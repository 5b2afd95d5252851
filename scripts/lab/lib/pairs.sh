# shellcheck shell=bash
# Two-namespace rigs for the lab scripts (dp-bench, profile): a veth pair with weft or a flanneld-style kernel
# flannel.1 on each side. Source it after setting P (the namespace prefix), CP (weft's classpath) and JAVA.
# Every namespace is named <P>*; wdp_cleanup kills what runs in them and deletes them.

WDP_MAIN=io.weft.dataplane.lab.StaticDataPlaneMain
WDP_PIDS=()

# wdp_cleanup: SIGTERM first (weft undoes its setup, and a JVM with -XX:+DumpPerfMapAtExit writes its map), then -9.
wdp_cleanup() {
  local ns pid
  for pid in "${WDP_PIDS[@]+"${WDP_PIDS[@]}"}"; do kill "$pid" 2>/dev/null || true; done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  sleep 1
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}

# wdp_pair <name> <tx offload on|off>: namespaces <P><name>a / <P><name>b, veth 10.98.0.1 / 10.98.0.2, GRO on
wdp_pair() {
  local a=$P${1}a b=$P${1}b
  ip netns add "$a"; ip netns add "$b"
  ip link add "${P}${1}va" netns "$a" type veth peer name "${P}${1}vb" netns "$b"
  ip -n "$a" addr add 10.98.0.1/24 dev "${P}${1}va"; ip -n "$b" addr add 10.98.0.2/24 dev "${P}${1}vb"
  for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
  ip -n "$a" link set "${P}${1}va" up; ip -n "$b" link set "${P}${1}vb" up
  ip netns exec "$a" ethtool -K "${P}${1}va" gro on >/dev/null
  ip netns exec "$b" ethtool -K "${P}${1}vb" gro on >/dev/null
  if [ "$2" = off ]; then
    ip netns exec "$a" ethtool -K "${P}${1}va" tx off >/dev/null
    ip netns exec "$b" ethtool -K "${P}${1}vb" tx off >/dev/null
  fi
}

# wdp_kvx <ns> <veth> <own ip> <own subnet.0> <own mac> <peer ip> <peer subnet.0> <peer mac>: flanneld-style flannel.1
wdp_kvx() {
  ip -n "$1" link add flannel.1 address "$5" mtu 1450 type vxlan id 1 local "$3" dev "$2" dstport 8472 nolearning
  ip -n "$1" addr add "$4/32" dev flannel.1
  ip -n "$1" link set flannel.1 up
  ip -n "$1" neigh replace "$7" lladdr "$8" dev flannel.1 nud permanent
  ip netns exec "$1" bridge fdb replace "$8" dev flannel.1 dst "$6" self permanent
  ip -n "$1" route replace "$7/24" via "$7" dev flannel.1 onlink
}

# wdp_weft <ns> <subnet> <mac> <peer subnet> <peer ip> <peer mac>: weft's data plane with one static peer; its
# log is /tmp/wdp-<ns>.log. JVM options from WDP_JAVA_OPTS; WEFT_WORKERS, WEFT_OFFLOADS as in dp-bench.
wdp_weft() {
  local fifo fd log=/tmp/wdp-$1.log
  fifo=$(mktemp -u /tmp/wdp-XXXX); mkfifo "$fifo"
  # shellcheck disable=SC2086
  ip netns exec "$1" "$JAVA" ${WDP_JAVA_OPTS:-} -cp "$CP" $WDP_MAIN --device "${P}t0" --subnet "$2" \
      --network 10.244.0.0/16 --mac "$3" --workers "${WEFT_WORKERS:-1}" --offloads "${WEFT_OFFLOADS:-on}" \
      --peer "$4,$5,$6" <"$fifo" >"$log" 2>&1 &
  WDP_PIDS+=($!); disown $!
  exec {fd}>"$fifo"; rm -f "$fifo"
  for _ in $(seq 1 100); do grep -q ready "$log" 2>/dev/null && return 0; sleep 0.2; done
  echo "weft did not start in $1:"; cat "$log"; exit 1
}

# Underlay addresses, pod subnets and VtepMACs of side A and side B.
WDP_A=(10.98.0.1 10.244.1.0 0e:2a:00:00:00:01)
WDP_B=(10.98.0.2 10.244.2.0 0e:2a:00:00:00:02)
