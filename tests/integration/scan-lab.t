#!/bin/bash
# scan-lab.t - nray-scan against the standard ground-truth lab (netns.sh):
# 254 IPv4 hosts x 250 ports and 32 IPv6 hosts x 250 ports, with open, closed
# (RST by the kernel or by a reject rule) and filtered ports (a firewalled
# quarter, silent hosts).  Every state must be exactly the lab's truth:
# recall and precision 100% for open, closed and filtered.  The scanner runs
# inside a namespace with no default route.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/netns.sh"

if ! lab_check; then
	echo "1..0 # SKIP $LAB_SKIP"
	exit 0
fi
scan=$(lab_scanner)
echo 1..15
lab_ok "nray-scan is built ($scan)" test -x "$scan" || exit 1
lab_ok "lab is up" lab_up || exit 1
lab_ok "standard lab rules and listeners" lab_std_up || exit 1

# IPv4: the whole /24 but .0 and .255, one range target.
lab_std_truth "$LAB_STD_PORTS" v4 >"$LAB_DIR/truth4"
lab_run 300 "$scan" -q --states all \
	-p "$LAB_STD_PORTS" 10.78.1.1-254 >"$LAB_DIR/out4" 2>"$LAB_DIR/err4"
rc=$?
lab_is "v4 scan exits 0" "$rc" 0
[ "$rc" = 0 ] || lab_diag <"$LAB_DIR/err4"
lab_records <"$LAB_DIR/out4" >"$LAB_DIR/found4"
lab_is "v4: one record per probed port" "$(wc -l <"$LAB_DIR/found4")" \
	"$(wc -l <"$LAB_DIR/truth4")"
lab_is "v4: no duplicates" "$(lab_dups "$LAB_DIR/found4" | head -3)" ""
for st in open closed filtered; do
	lab_states v4 "$LAB_DIR/found4" "$LAB_DIR/truth4" "$st"
done

# Every record: the reason matches the state; rtt_ms exactly when something
# answered; proto tcp; an RFC 3339 UTC timestamp with milliseconds.
bad=$(jq -c 'select(.type == "port") | select(
	.proto != "tcp" or
	(.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$") | not) or
	({open: "syn-ack", closed: "rst", filtered: "timeout"}[.state] != .reason) or
	((.state == "filtered") == (.rtt_ms | type == "number")))' \
	<"$LAB_DIR/out4" | head -3)
lab_is "v4: reason, rtt_ms, proto and ts of every record" "$bad" ""

# IPv6: 32 hosts as a range.
lab_std_truth "$LAB_STD_PORTS" v6 >"$LAB_DIR/truth6"
lab_run 300 "$scan" -q --states all \
	-p "$LAB_STD_PORTS" "${LAB_V6_HOSTS}1-${LAB_V6_HOSTS}20" \
	>"$LAB_DIR/out6" 2>"$LAB_DIR/err6"
rc=$?
lab_is "v6 scan exits 0" "$rc" 0
[ "$rc" = 0 ] || lab_diag <"$LAB_DIR/err6"
lab_records <"$LAB_DIR/out6" >"$LAB_DIR/found6"
lab_is "v6: one record per probed port, no duplicates" \
	"$(wc -l <"$LAB_DIR/found6") $(lab_dups "$LAB_DIR/found6" | wc -l)" \
	"$(wc -l <"$LAB_DIR/truth6") 0"
for st in open closed filtered; do
	lab_states v6 "$LAB_DIR/found6" "$LAB_DIR/truth6" "$st"
done
[ "$LAB_TFAIL" = 0 ]
