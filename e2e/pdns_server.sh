#!/usr/bin/env bash
# Starts a throwaway PowerDNS authoritative server (SQLite backend) for the DNS driver's tests:
# DNS on 127.0.0.1:5353, the HTTP API on 127.0.0.1:8081 with the key `test-api-key`, from
# ../shared/toolchain/pdns/pdns.conf (or the copy below when that is absent). Prints the
# environment the tests read; the server runs until its process group is killed.
#   usage: e2e/pdns_server.sh DIR    (writes DIR/pdns.env, DIR/pdns.log, DIR/pdns.pid)
set -euo pipefail
dir=$1
mkdir -p "$dir"
schema=/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
python3 -c "import sqlite3, sys; sqlite3.connect(sys.argv[1]).executescript(open(sys.argv[2]).read())" "$dir/pdns.sqlite3" "$schema"
shared="$(dirname "$0")/../../shared/toolchain/pdns/pdns.conf"
if [ -f "$shared" ]; then
  sed "s|PDNS_DIR|$dir|g" "$shared" > "$dir/pdns.conf"
else
  cat > "$dir/pdns.conf" <<CONF
launch=gsqlite3
gsqlite3-database=$dir/pdns.sqlite3
local-address=127.0.0.1
local-port=5353
api=yes
api-key=test-api-key
webserver=yes
webserver-address=127.0.0.1
webserver-port=8081
webserver-allow-from=127.0.0.0/8
daemon=no
guardian=no
disable-syslog=yes
socket-dir=$dir
CONF
fi
# Refuse to start beside one left over from an earlier run: pdns_server shares the port, and the tests
# would read either one's state.
python3 -c "import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.bind(('127.0.0.1', 8081))" 2>/dev/null \
  || { echo "127.0.0.1:8081 is taken (a pdns_server from an earlier run? stop it: pkill -x pdns_server)" >&2; exit 1; }
/usr/sbin/pdns_server --config-dir="$dir" > "$dir/pdns.log" 2>&1 &
echo $! > "$dir/pdns.pid"
for _ in $(seq 1 50); do
  # Ours must be the one answering: one left over from an earlier run would hold the port.
  kill -0 "$(cat "$dir/pdns.pid")" 2>/dev/null || { cat "$dir/pdns.log" 2>/dev/null; echo "pdns_server exited (is the port taken?)" >&2; exit 1; }
  if python3 -c "import urllib.request,sys; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8081/api/v1/servers/localhost', headers={'X-API-Key':'test-api-key'}), timeout=1)" 2>/dev/null; then
    printf 'PDNS_TEST_API=http://127.0.0.1:8081\nPDNS_TEST_KEY=test-api-key\nPDNS_TEST_DNS_PORT=5353\n' > "$dir/pdns.env"
    exit 0
  fi
  sleep 0.2
done
cat "$dir/pdns.log"
echo "PowerDNS did not start" >&2
exit 1
