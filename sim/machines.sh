#!/usr/bin/env bash
# Simulated machines on one kernel, for labs that span machines (make sim-machines / sim-machines-down).
#
#   sim/machines.sh up     m1 (10.250.0.1) and m2 (10.250.0.2)
#   sim/machines.sh down   removes them and everything they held
#   sim/machines.sh status
#
# Each machine is a process tree in its own network and mount namespaces: its own /run (so its own
# /run/netns, /run/netns-lab) and /etc/netns, an interface eth0 on the underlay 10.250.0.0/24 (a
# bridge nlsim0 in the root namespace, 10.250.0.254, so the machines are reachable from here), and
# sshd listening on its address that lets root in with the key .sim/id_ed25519 (generated here,
# gitignored). Every process of a machine carries NETNS_LAB_OWNER=sim/machines/<name>, so nothing
# of them goes unnoticed; `down` ends every process in a machine's mount namespace — lab processes
# started over SSH included — and with the last one its namespaces and all they held go.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sim="$here/.sim"
MACHINES=("m1 10.250.0.1" "m2 10.250.0.2")
BRIDGE=nlsim0
say() { printf 'sim-machines: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (network and mount namespaces)"

# The machine's first process (`unshare`'s child) by its marker, or nothing.
init_pid() {
  local m=$1 pid
  for pid in $(pgrep -f "^netns-lab-sim-$m infinity\$" || true); do
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "NETNS_LAB_OWNER=sim/machines/$m" && { echo "$pid"; return; }
  done
}

keys() {
  mkdir -p "$sim" && chmod 700 "$sim"
  [[ -f $sim/id_ed25519 ]] || ssh-keygen -q -t ed25519 -N "" -C netns-lab-sim -f "$sim/id_ed25519"
  [[ -f $sim/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N "" -C netns-lab-sim-host -f "$sim/ssh_host_ed25519_key"
  cp "$sim/id_ed25519.pub" "$sim/authorized_keys"
  cat > "$sim/sshd_config" <<EOF
HostKey $sim/ssh_host_ed25519_key
PermitRootLogin prohibit-password
AuthorizedKeysFile $sim/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
MaxStartups 100:30:200
MaxSessions 100
EOF
  # The host key the machines present, for pinning (a lab's machine option hostKey).
  cut -d' ' -f1,2 "$sim/ssh_host_ed25519_key.pub" > "$sim/host_key"
}

up() {
  command -v unshare >/dev/null || die "unshare is missing (apt-get install util-linux)"
  [[ -x /usr/sbin/sshd ]] || die "sshd is missing (apt-get install openssh-server; make sim-machines installs it)"
  keys
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add name "$BRIDGE" type bridge
    ip addr add 10.250.0.254/24 dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi
  mkdir -p /etc/netns
  for entry in "${MACHINES[@]}"; do
    read -r m addr <<<"$entry"
    if [[ -n $(init_pid "$m") ]]; then say "$m is up already"; continue; fi
    # Its own network and mount namespaces; a private /run and /etc/netns inside; then it waits.
    NETNS_LAB_OWNER=sim/machines/$m setsid unshare --net --mount --propagation private --fork -- \
      bash -c 'mount -t tmpfs -o mode=755 sim-run /run && mkdir -p /run/netns /run/sshd && mount -t tmpfs sim-etc-netns /etc/netns && exec -a "netns-lab-sim-$0" sleep infinity' "$m" \
      </dev/null >/dev/null 2>&1 &
    local pid=""
    for _ in $(seq 100); do pid=$(init_pid "$m"); [[ -n $pid ]] && break; sleep 0.05; done
    [[ -n $pid ]] || die "$m did not start"
    # Wait until its mounts are there (the shell mounts before it becomes `sleep`).
    for _ in $(seq 100); do nsenter -t "$pid" -m test -d /run/sshd 2>/dev/null && break; sleep 0.05; done
    ip link add "sim-$m" type veth peer name eth0 netns "$pid"
    ip link set "sim-$m" master "$BRIDGE" up
    nsenter -t "$pid" -n ip link set lo up
    nsenter -t "$pid" -n ip addr add "$addr/24" dev eth0
    nsenter -t "$pid" -n ip link set eth0 up
    NETNS_LAB_OWNER=sim/machines/$m nsenter -t "$pid" -n -m /usr/sbin/sshd -f "$sim/sshd_config" -o "ListenAddress=$addr"
    for _ in $(seq 100); do
      ssh -q -i "$sim/id_ed25519" -o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "root@$addr" true 2>/dev/null && break
      sleep 0.1
    done
    ssh -q -i "$sim/id_ed25519" -o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "root@$addr" true \
      || die "$m: sshd does not let root in at $addr"
    say "$m up at $addr (ssh -i .sim/id_ed25519 root@$addr)"
  done
}

down() {
  for entry in "${MACHINES[@]}"; do
    read -r m _ <<<"$entry"
    local pid
    pid=$(init_pid "$m")
    [[ -n $pid ]] || continue
    local mnt
    mnt=$(readlink "/proc/$pid/ns/mnt")
    # Every process in the machine: its sshd, SSH sessions, programs a lab started there.
    for _ in 1 2 3; do
      local victims=()
      for p in /proc/[0-9]*; do
        [[ $(readlink "$p/ns/mnt" 2>/dev/null) == "$mnt" ]] && victims+=("${p#/proc/}")
      done
      ((${#victims[@]})) || break
      kill -KILL "${victims[@]}" 2>/dev/null || true
      sleep 0.1
    done
    # Its underlay port. Normally it goes with the machine's network namespace; but a VXLAN device of
    # a lab still on the machine (not destroyed first) can keep that namespace alive in the kernel.
    ip link del "sim-$m" 2>/dev/null || true
    say "$m down"
  done
  ip link del "$BRIDGE" 2>/dev/null || true
}

status() {
  for entry in "${MACHINES[@]}"; do
    read -r m addr <<<"$entry"
    local pid
    pid=$(init_pid "$m")
    if [[ -n $pid ]]; then echo "$m $addr up (pid $pid)"; else echo "$m $addr down"; fi
  done
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: sim/machines.sh up|down|status" ;;
esac
