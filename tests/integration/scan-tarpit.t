#!/bin/bash
# scan-tarpit.t - a host where every port is open (all TCP to it redirected
# to one listener, as a SYN proxy or tarpit would answer) is flagged
# "all-ports-open" by nray-scan instead of flooding the output with fake open
# ports, while a real host beside it with half its ports open is reported
# port by port, exactly.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/netns.sh"

if ! lab_check; then
	echo "1..0 # SKIP $LAB_SKIP"
	exit 0
fi
scan=$(lab_scanner)
tarpit=10.78.2.1
real=10.78.2.2
echo 1..12
lab_ok "nray-scan is built ($scan)" test -x "$scan" || exit 1
lab_ok "lab is up" lab_up || exit 1
# Every even port of 2-2000 listens (on every address), and 7777 too; all
# TCP to the tarpit goes to 7777.
setup() {
	lab_listen "$(seq 2 2 2000 | paste -sd,),7777" &&
		lab_redirect "$tarpit" 7777
}
lab_ok "listeners and the tarpit redirect" setup || exit 1
lab_ok "the tarpit answers on a port nobody listens on" \
	lab_scan timeout 5 bash -c "exec 3<>/dev/tcp/$tarpit/1999"

lab_run 300 "$scan" -q -p 1-2000 "$tarpit" "$real" \
	>"$LAB_DIR/out" 2>"$LAB_DIR/err"
rc=$?
lab_is "scan exits 0" "$rc" 0 || lab_diag <"$LAB_DIR/err"

lab_is "one all-ports-open record for the tarpit" \
	"$(jq -c --arg ip "$tarpit" 'select(.type == "host" and .ip == $ip) |
		[.state, .reason, .flag]' <"$LAB_DIR/out")" \
	'["up","all-ports-open","all-ports-open"]'
n=$(jq -c --arg ip "$tarpit" 'select(.type == "port" and .ip == $ip)' \
	<"$LAB_DIR/out" | wc -l)
echo "# open port records for the tarpit: $n of 2000 probed ports"
lab_ok "the tarpit's open ports are suppressed (at most 200 of 2000)" \
	test "$n" -le 200
lab_is "no flag on the real host" \
	"$(jq -c --arg ip "$real" 'select(.type == "host" and .ip == $ip)' \
		<"$LAB_DIR/out")" ""
lab_records <"$LAB_DIR/out" | awk -v ip="$real" '$1 == ip' >"$LAB_DIR/found"
seq 2 2 2000 | awk -v ip="$real" '{ print ip, $1, "open" }' >"$LAB_DIR/truth"
lab_states "the real host" "$LAB_DIR/found" "$LAB_DIR/truth" open
lab_is "the real host: no duplicates" "$(lab_dups "$LAB_DIR/found" | head -3)" ""

# The tarpit alone, with ports left waiting on --host-concurrency when it is
# flagged: nothing in flight is left to release them, and the scan must
# still end (it once waited for them forever).
lab_run 60 "$scan" -q -p 1-2000 --host-concurrency 64 "$tarpit" \
	>"$LAB_DIR/out2" 2>"$LAB_DIR/err2"
rc=$?
lab_is "the tarpit alone: the scan ends, exit 0" "$rc" 0 ||
	lab_diag <"$LAB_DIR/err2"
lab_is "the tarpit alone: flagged once" \
	"$(jq -c 'select(.type == "host") | .flag' <"$LAB_DIR/out2")" \
	'"all-ports-open"'
[ "$LAB_TFAIL" = 0 ]
