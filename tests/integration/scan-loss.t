#!/bin/bash
# scan-loss.t - the standard lab (netns.sh) with 2% random loss of the TCP
# packets entering the target namespace (nftables numgen), nray-scan with its
# default retries: every open port is still found.
#
# Sizing (TESTING.md): an open port is missed only when every try fails.  The
# loss sits on the target's ingress, so a try fails when its SYN is dropped:
# p = 0.02 (were the SYN-ACK exposed too it would be about 2p).  The default
# retries are 2, so t = 3 tries and a miss has probability p^t = 8e-6 per open
# port.  The open ports are kept few on purpose: listeners on 22 and 80 only,
# open on the hosts with h % 64 == 7 (10.78.1.7, .71, .135, .199 and
# fd6e:7261:7900:1::7): 10 open ports, so a correct scanner fails this test
# with probability 10 x 8e-6 = 8e-5 per run, about once in 12,500 runs (even
# the pessimistic (2p)^t = 6.4e-5 per port gives 6.4e-4).  The lab's other
# ~71,000 probes are closed or filtered and still meet the loss, so retries
# and congestion control are exercised at full scale.
#
# Loss may turn a closed port into "filtered" (its SYN dropped every time),
# so closed ports are checked for precision only; loss cannot make a port
# answer, so open precision and filtered recall stay exact.
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
lab_ok "standard lab, open only on 22,80 of hosts h % 64 == 7" \
	lab_std_up 22,80 64 7 || exit 1
lab_ok "2% loss on the target's ingress" lab_loss 2 || exit 1

lab_is "the truth has 10 open ports" \
	"$(lab_std_truth "$LAB_STD_PORTS" | awk '$3 == "open"' | wc -l)" 10

check() { # FAMILY TARGET
	local f=$1 t=$2 rc
	lab_std_truth "$LAB_STD_PORTS" "$f" >"$LAB_DIR/truth$f"
	lab_run 300 "$scan" -q --states all \
		-p "$LAB_STD_PORTS" "$t" >"$LAB_DIR/out$f" 2>"$LAB_DIR/err$f"
	rc=$?
	lab_is "$f scan exits 0" "$rc" 0 || lab_diag <"$LAB_DIR/err$f"
	lab_records <"$LAB_DIR/out$f" >"$LAB_DIR/found$f"
	lab_is "$f: one record per probed port, no duplicates" \
		"$(wc -l <"$LAB_DIR/found$f") $(lab_dups "$LAB_DIR/found$f" | wc -l)" \
		"$(wc -l <"$LAB_DIR/truth$f") 0"
	lab_states "$f" "$LAB_DIR/found$f" "$LAB_DIR/truth$f" open
	lab_is "$f: every closed port reported is closed" \
		"$(lab_score "$LAB_DIR/found$f" "$LAB_DIR/truth$f" closed | cut -d' ' -f2,4)" \
		"100.00 0"
	lab_is "$f: every filtered port is reported filtered" \
		"$(lab_score "$LAB_DIR/found$f" "$LAB_DIR/truth$f" filtered | cut -d' ' -f1,3)" \
		"100.00 0"
	lab_score "$LAB_DIR/found$f" "$LAB_DIR/truth$f" closed |
		awk '{ print "closed recall under loss: " $1 "% (" $3 " seen as filtered)" }' |
		lab_diag
}
check v4 10.78.1.1-254
check v6 "${LAB_V6_HOSTS}1-${LAB_V6_HOSTS}20"
echo "# dropped by the loss rule: $(lab_tgt nft list chain inet nraylab input |
	awk '/numgen/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }')" 
[ "$LAB_TFAIL" = 0 ]
