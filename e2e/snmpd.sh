#!/usr/bin/env bash
# Starts Net-SNMP's snmpd, the SNMP agent switches speak, for the traffic collector's tests:
# SNMP v2c on 127.0.0.1:1161 with the read community `test-community`. Besides the machine's
# own interfaces (ifIndex 1 is lo), it answers for switch ports whose counters the tests set in
# files, through snmpd's `pass` directive:
#   ports 1007, 1009: 64-bit counters (ifHCInOctets / ifHCOutOctets) from ports/N.in, N.out;
#   ports 1008, 1010: only 32-bit counters (ifInOctets / ifOutOctets) from ports/N.in32, N.out32,
#                     as an old switch has.
# (The engine's test uses 1007 and 1008, the driver's 1009 and 1010, so they may run at once.)
#   usage: e2e/snmpd.sh DIR    (writes DIR/snmp.env, DIR/snmpd.log, DIR/snmpd.pid)
set -euo pipefail
dir=$1
mkdir -p "$dir/ports"
cat > "$dir/port.sh" <<'SCRIPT'
#!/bin/sh
# snmpd's pass protocol: `port.sh -g OID` prints the OID, its type and its value, or nothing.
dir=$(dirname "$0")/ports
[ "$1" = "-g" ] || exit 0
oid=$2
case $oid in
  .1.3.6.1.2.1.31.1.1.1.6.*) file=$dir/${oid##*.}.in; type=counter64 ;;
  .1.3.6.1.2.1.31.1.1.1.10.*) file=$dir/${oid##*.}.out; type=counter64 ;;
  .1.3.6.1.2.1.2.2.1.10.*) file=$dir/${oid##*.}.in32; type=counter ;;
  .1.3.6.1.2.1.2.2.1.16.*) file=$dir/${oid##*.}.out32; type=counter ;;
  *) exit 0 ;;
esac
[ -f "$file" ] || exit 0
echo "$oid"; echo "$type"; cat "$file"
SCRIPT
chmod +x "$dir/port.sh"
echo "rocommunity test-community 127.0.0.1" > "$dir/snmpd.conf"
for port in 1007 1009; do
  echo 0 > "$dir/ports/$port.in"; echo 0 > "$dir/ports/$port.out"
  printf 'pass .1.3.6.1.2.1.31.1.1.1.6.%s %s\npass .1.3.6.1.2.1.31.1.1.1.10.%s %s\n' $port "$dir/port.sh" $port "$dir/port.sh" >> "$dir/snmpd.conf"
done
for port in 1008 1010; do
  echo 0 > "$dir/ports/$port.in32"; echo 0 > "$dir/ports/$port.out32"
  printf 'pass .1.3.6.1.2.1.2.2.1.10.%s %s\npass .1.3.6.1.2.1.2.2.1.16.%s %s\n' $port "$dir/port.sh" $port "$dir/port.sh" >> "$dir/snmpd.conf"
done
python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 1161))" 2>/dev/null \
  || { echo "127.0.0.1:1161 is taken (a snmpd from an earlier run? stop it: pkill -x snmpd)" >&2; exit 1; }
# No MIB files are needed: the platform asks by numeric OID.
MIBS= /usr/sbin/snmpd -f -Lo -C -c "$dir/snmpd.conf" -p "$dir/snmpd.pid" udp:127.0.0.1:1161 > "$dir/snmpd.log" 2>&1 &
echo $! > "$dir/snmpd.pid"
mkdir -p "$dir/client"
printf 'defCommunity test-community\ndefVersion 2c\n' > "$dir/client/snmp.conf"
for _ in $(seq 1 50); do
  kill -0 "$(cat "$dir/snmpd.pid")" 2>/dev/null || { cat "$dir/snmpd.log"; echo "snmpd exited (is the port taken?)" >&2; exit 1; }
  if SNMPCONFPATH="$dir/client" MIBS= /usr/bin/snmpget -Ln -On -Oqv -t 1 -r 0 127.0.0.1:1161 .1.3.6.1.2.1.31.1.1.1.6.1007 2>/dev/null | grep -qx 0; then
    printf 'SNMP_TEST_HOST=127.0.0.1\nSNMP_TEST_PORT=1161\nSNMP_TEST_COMMUNITY=test-community\nSNMP_TEST_PORTS=%s\n' "$dir/ports" > "$dir/snmp.env"
    exit 0
  fi
  sleep 0.2
done
cat "$dir/snmpd.log"
echo "snmpd did not start" >&2
exit 1
