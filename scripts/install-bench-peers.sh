#!/bin/sh
# Installs the DNS servers that bench/run.mjs compares edgesteer with (Knot DNS,
# gdnsd, PowerDNS with LUA records) plus dnsperf, dig and wrk (DoH load), from Debian.
#
# Idempotent: packages already present are skipped, apt-get runs only when
# something is missing. The bench starts every peer itself, on its own
# loopback port, from a temp dir; so this script makes sure the Debian
# packages leave no service running or enabled (they would grab port 53 and,
# for PowerDNS, send a security-poll query off the machine).
#
# Usage: sudo scripts/install-bench-peers.sh
set -eu

# package:binary-that-proves-it-is-installed
WANTED="knot:/usr/sbin/knotd gdnsd:/usr/sbin/gdnsd pdns-server:/usr/sbin/pdns_server pdns-backend-bind:/usr/lib/x86_64-linux-gnu/pdns/libbindbackend.so pdns-backend-lua2:/usr/lib/x86_64-linux-gnu/pdns/liblua2backend.so dnsperf:/usr/bin/dnsperf bind9-dnsutils:/usr/bin/dig wrk:/usr/bin/wrk"
SERVICES="knot gdnsd pdns"
DAEMONS="knotd gdnsd pdns_server"

log() { echo "[install-bench-peers] $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "must run as root (apt-get). Run: sudo $0"
  exit 1
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=""
for pair in $WANTED; do
  pkg=${pair%%:*}
  if ! installed "$pkg"; then missing="$missing $pkg"; fi
done

# Keep the Debian postinst scripts from starting the daemons: a policy-rc.d
# that says "101 = action forbidden". Restore whatever was there before.
POLICY=/usr/sbin/policy-rc.d
backup=""
restore_policy() {
  if [ -n "$backup" ]; then mv -f "$backup" "$POLICY"; else rm -f "$POLICY"; fi
}

if [ -n "$missing" ]; then
  log "installing:$missing"
  if [ -e "$POLICY" ]; then
    backup=$(mktemp)
    cp -p "$POLICY" "$backup"
  fi
  trap restore_policy EXIT INT TERM
  printf '#!/bin/sh\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  restore_policy
  backup=""
  trap - EXIT INT TERM
else
  log "all packages already installed"
fi

# Nothing of the peers may run as a system service: disable units (if systemd
# manages this machine) and stop any daemon a postinst started anyway.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  for s in $SERVICES; do
    systemctl disable --now "$s" >/dev/null 2>&1 || true
  done
elif command -v update-rc.d >/dev/null 2>&1; then
  for s in $SERVICES; do
    if [ -e "/etc/init.d/$s" ]; then
      service "$s" stop >/dev/null 2>&1 || true
      update-rc.d "$s" disable >/dev/null 2>&1 || true
    fi
  done
fi
# Daemons started from a system config (not from the bench's temp dirs) are
# stopped by PID.
for d in $DAEMONS; do
  for pid in $(pgrep -x "$d" 2>/dev/null || true); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'edgesteer-bench'; then continue; fi
    log "stopping system $d (pid $pid)"
    kill "$pid" 2>/dev/null || true
  done
done

# The system-wide PowerDNS config is never used by the bench, but if someone
# starts it by hand it must not query out either.
if [ -f /etc/powerdns/pdns.conf ] && ! grep -q '^security-poll-suffix=' /etc/powerdns/pdns.conf; then
  printf '\n# edgesteer bench: never send the security-status query off the machine\nsecurity-poll-suffix=\n' >>/etc/powerdns/pdns.conf
fi

fail=0
for pair in $WANTED; do
  pkg=${pair%%:*}
  path=${pair#*:}
  if ! installed "$pkg"; then log "still missing: $pkg"; fail=1; continue; fi
  case "$path" in
    /usr/lib/*) [ -e "$path" ] || log "note: $pkg installed but $path not found (other arch?)" ;;
    *) [ -x "$path" ] || { log "missing binary $path from $pkg"; fail=1; } ;;
  esac
done
[ "$fail" = 0 ] && log "ready: knotd gdnsd pdns_server dnsperf dig wrk"
exit "$fail"
