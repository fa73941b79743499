#!/usr/bin/env bash
# Starts OpenIPMI's ipmi_sim, a simulated BMC, for the IPMI driver's tests: IPMI over LAN on
# 127.0.0.1:9623, user admin / secret, power kept in DIR/power by the chassis script, from
# ../shared/toolchain/ipmi/ (or the copies below when that is absent).
#   usage: e2e/ipmi_sim.sh DIR    (writes DIR/ipmi.env, DIR/ipmi.log, DIR/ipmi.pid)
set -euo pipefail
dir=$1
mkdir -p "$dir/state"
shared="$(dirname "$0")/../../shared/toolchain/ipmi"
cat > "$dir/chassis.sh" <<'SCRIPT'
#!/bin/sh
# ipmi_sim's chassis control: chassis.sh <mc> get power | set power 0|1 ...
state=${IPMI_POWER_STATE:-/tmp/ipmi-power}; dev=$1; op=$2; shift 2
case $op in
  get) for p in "$@"; do case $p in power) echo "power:$(cat $state 2>/dev/null || echo 0)";; boot) echo "boot:default";; *) echo "Invalid parameter: $p"; exit 1;; esac; done ;;
  set) while [ $# -ge 2 ]; do case $1 in power) echo "$2" > $state;; reset|boot|identify) ;; *) echo "Invalid parameter: $1"; exit 1;; esac; shift 2; done ;;
  *) exit 1 ;;
esac
SCRIPT
[ -f "$shared/chassis.sh" ] && cp "$shared/chassis.sh" "$dir/chassis.sh"
chmod +x "$dir/chassis.sh"
if [ -f "$shared/lan.conf" ]; then
  sed "s|CHASSIS_SCRIPT|$dir/chassis.sh|g" "$shared/lan.conf" > "$dir/lan.conf"
  cp "$shared/sim.emu" "$dir/sim.emu"
else
  echo "the IPMI configs are missing: $shared" >&2
  exit 1
fi
# Refuse to start beside one left over from an earlier run: ipmi_sim shares the port, and the tests
# would read either one's state.
python3 -c "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 9623))" 2>/dev/null \
  || { echo "127.0.0.1:9623 is taken (a ipmi_sim from an earlier run? stop it: pkill -x ipmi_sim)" >&2; exit 1; }
echo 0 > "$dir/power"
IPMI_POWER_STATE="$dir/power" /usr/bin/ipmi_sim -c "$dir/lan.conf" -f "$dir/sim.emu" -s "$dir/state" -n > "$dir/ipmi.log" 2>&1 &
echo $! > "$dir/ipmi.pid"
for _ in $(seq 1 50); do
  # Ours must be the one answering: one left over from an earlier run would hold the port.
  kill -0 "$(cat "$dir/ipmi.pid")" 2>/dev/null || { cat "$dir/ipmi.log" 2>/dev/null; echo "ipmi_sim exited (is the port taken?)" >&2; exit 1; }
  if /usr/bin/ipmitool -I lanplus -C 3 -H 127.0.0.1 -p 9623 -U admin -P secret chassis power status >/dev/null 2>&1; then
    printf 'IPMI_TEST_HOST=127.0.0.1\nIPMI_TEST_PORT=9623\nIPMI_TEST_USER=admin\nIPMI_TEST_PASSWORD=secret\n' > "$dir/ipmi.env"
    exit 0
  fi
  sleep 0.2
done
cat "$dir/ipmi.log"
echo "ipmi_sim did not start" >&2
exit 1
