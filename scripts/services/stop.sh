#!/usr/bin/env bash
# Usage: stop.sh DIR
# Stops every service that start.sh or ctl.sh started in DIR. Safe to run
# on a partly started DIR, or twice. Leaves DIR itself in place.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_service_scripts

[ $# -eq 1 ] || die "usage: $0 DIR"
[ -d "$1" ] || exit 0
dir=$(cd "$1" && pwd)
rc=0
for svc in kafka redis pg; do
  ( set -e; "svc_${svc}_stop" "$dir" ) || { note "stopping $svc failed"; rc=1; }
done
exit $rc
