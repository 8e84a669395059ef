#!/usr/bin/env bash
# Several "hosts" on one machine, for the mpi lesson: Linux network namespaces.
#
#   lessons/mpi/hosts.sh up N     make N hosts (2 ≤ N ≤ 8): perflab-h1 … perflab-hN
#   lessons/mpi/hosts.sh down     remove them (and anything a previous `up` left)
#   lessons/mpi/hosts.sh status   say what exists
#
# Each host is a network namespace with its own loopback and one interface, eth0, with
# the address SUBNET.k (k = 1 … N). The eth0 of every host is one end of a veth pair whose
# other end is a port of a Linux bridge; the bridge lives in a namespace of its own,
# perflab-br, with no other port and no address, so the hosts reach each other and
# nothing else: no route leads out of them, and the machine's own network never sees
# their traffic.
#
# `up` writes into /tmp/perflab-hosts/:
#   hostfile  one line per host, `ADDR slots=CORES`, for `mpirun --hostfile`
#   subnet    the hosts' subnet as a CIDR, for `--mca btl_tcp_if_include` and
#             `--mca oob_tcp_if_include`
#   agent     what `--mca plm_rsh_agent` names: Open MPI runs `agent ADDR COMMAND…` to
#             start its daemon on host ADDR (as it would run `ssh ADDR COMMAND…`); the
#             agent runs COMMAND in that host's namespace.
#
# Needs root (namespaces and interfaces are the kernel's) and `ip` (iproute2).
set -euo pipefail

PREFIX=perflab-
BRIDGE_NS=${PREFIX}br
DIR=/tmp/perflab-hosts
# Candidate subnets, the first one no route of this machine overlaps is used.
CANDIDATES=(10.77.0 10.78.0 10.79.0 172.31.77 192.168.177)

say() { echo "hosts.sh: $*" >&2; }
die() {
    say "$*"
    exit 2
}

usage() {
    die "usage: $0 up N (2 ≤ N ≤ 8) | down | status"
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "$1 needs root (network namespaces): run it with sudo"
    command -v ip >/dev/null || die "ip (iproute2) is not on the PATH: apt-get install iproute2"
}

# Our namespaces, one per line: perflab-h1 …, perflab-br.
ours() {
    ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${PREFIX}(h[0-9]+|br)\$" || true
}

down() {
    local ns pid
    # Nothing to remove is no error, whoever asks.
    [[ -z $(ours) && ! -e $DIR ]] && return 0
    need_root down
    for ns in $(ours); do
        # Processes still inside a host (ranks or daemons of a run that was killed) would
        # keep its network alive after `ip netns del`: end them first, by their ids.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
        ip netns del "$ns"
    done
    rm -rf "$DIR"
}

# Whether no route of this machine overlaps PREFIX.0/24 (the default route aside).
free_subnet() {
    local net=$1.0/24
    [[ -z $(ip -4 route show root "$net" 2>/dev/null) ]] &&
        [[ -z $(ip -4 route show match "$net" 2>/dev/null | grep -v '^default') ]] &&
        [[ -z $(ip -4 addr show to "$net" 2>/dev/null) ]]
}

up() {
    local n=${1:-}
    [[ $n =~ ^[0-9]+$ ]] && ((n >= 2 && n <= 8)) ||
        die "up needs the number of hosts, 2 … 8 (got '${n}')"
    need_root up
    down
    local base=""
    for c in "${CANDIDATES[@]}"; do
        if free_subnet "$c"; then
            base=$c
            break
        fi
    done
    [[ -n $base ]] || die "every candidate subnet (${CANDIDATES[*]/%/.0/24}) overlaps a route of this machine"
    # Should anything below fail, leave nothing half made.
    trap 'say "up failed: removing what was made"; down' ERR

    ip netns add "$BRIDGE_NS"
    ip -n "$BRIDGE_NS" link add br0 type bridge
    ip -n "$BRIDGE_NS" link set br0 up
    ip -n "$BRIDGE_NS" link set lo up
    local k ns slots
    slots=$(nproc)
    mkdir -p "$DIR"
    : >"$DIR/hostfile"
    for ((k = 1; k <= n; k++)); do
        ns=${PREFIX}h$k
        ip netns add "$ns"
        ip -n "$BRIDGE_NS" link add "veth$k" type veth peer name eth0 netns "$ns"
        ip -n "$BRIDGE_NS" link set "veth$k" master br0 up
        ip -n "$ns" addr add "$base.$k/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
        echo "$base.$k slots=$slots" >>"$DIR/hostfile"
    done
    echo "$base.0/24" >"$DIR/subnet"
    cat >"$DIR/agent" <<EOF
#!/bin/sh
# Open MPI's rsh agent for the hosts of lessons/mpi/hosts.sh: \`agent ADDR COMMAND…\`
# runs COMMAND in the network namespace of the host whose address is ADDR, as
# \`ssh ADDR COMMAND…\` would run it on a real host.
case "\$1" in
$(for ((k = 1; k <= n; k++)); do echo "    $base.$k) ns=${PREFIX}h$k ;;"; done)
    *) echo "perflab hosts agent: no host \$1 (hosts: $base.1 … $base.$n)" >&2; exit 2 ;;
esac
shift
# All hosts share this machine's name and /tmp: each daemon keeps its session files
# (ompi.NAME.UID/…) in a folder of its host's own, lest two hosts' daemons make and
# remove the same folders at once.
export OMPI_MCA_orte_tmpdir_base="$DIR/tmp/\$ns"
mkdir -p "\$OMPI_MCA_orte_tmpdir_base"
exec ip netns exec "\$ns" sh -c "\$*"
EOF
    chmod 755 "$DIR/agent"
    trap - ERR
    # Each host's link must be up (both ends of its veth pair) before it is of use.
    for ((k = 1; k <= n; k++)); do
        [[ $(ip netns exec "${PREFIX}h$k" cat /sys/class/net/eth0/operstate) == up ]] ||
            { down; die "host $k's link did not come up: the namespaces were removed"; }
    done
    say "$n hosts up on $base.0/24: $(awk '{print $1}' "$DIR/hostfile" | paste -sd' ')"
    say "hostfile, subnet and agent in $DIR; remove them with: $0 down"
}

status() {
    local list
    list=$(ours)
    if [[ -z $list ]]; then
        echo "no perflab hosts (make them with: $0 up N)"
        return 0
    fi
    echo "namespaces: $(echo "$list" | paste -sd' ')"
    [[ -f $DIR/subnet ]] && echo "subnet: $(cat "$DIR/subnet")"
    [[ -f $DIR/hostfile ]] && echo "hostfile ($DIR/hostfile):" && sed 's/^/  /' "$DIR/hostfile"
    return 0
}

case "${1:-}" in
up)
    [[ $# -eq 2 ]] || usage
    up "$2"
    ;;
down)
    [[ $# -eq 1 ]] || usage
    down
    ;;
status)
    [[ $# -eq 1 ]] || usage
    status
    ;;
*) usage ;;
esac
