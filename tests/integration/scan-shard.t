#!/bin/bash
# scan-shard.t - nray-scan --shard I/N over the standard lab (netns.sh): for
# N = 2, 3 and 5 the shards are disjoint (no record twice), each holds a fair
# part, and their union is exactly the full scan, which is exactly the lab's
# truth.  Once with a range target on the command line, once with bare
# addresses (IPv4 and IPv6) streamed on stdin.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lab/netns.sh"

if ! lab_check; then
	echo "1..0 # SKIP $LAB_SKIP"
	exit 0
fi
scan=$(lab_scanner)
ports=18-27,995-1004,8000-8009
echo 1..29
lab_ok "nray-scan is built ($scan)" test -x "$scan" || exit 1
lab_ok "lab is up" lab_up || exit 1
lab_ok "standard lab rules and listeners" lab_std_up || exit 1

{
	printf '10.78.1.%d\n' $(seq 1 254)
	printf "${LAB_V6_HOSTS}%x\n" $(seq 1 32)
} >"$LAB_DIR/stdin"

run() { # NAME [OPTIONS...]: scan by arguments or stdin, into $LAB_DIR/NAME
	local name=$1 rc
	shift
	if [ "$mode" = args ]; then
		lab_run 300 "$scan" -q --states all \
			-p "$ports" "$@" 10.78.1.1-254 >"$LAB_DIR/$name.json" \
			2>"$LAB_DIR/$name.err"
	else
		lab_run 300 "$scan" -q --states all \
			-p "$ports" "$@" <"$LAB_DIR/stdin" >"$LAB_DIR/$name.json" \
			2>"$LAB_DIR/$name.err"
	fi
	rc=$?
	[ "$rc" = 0 ] || {
		echo "$name: exit $rc"
		cat "$LAB_DIR/$name.err"
	} | lab_diag
	lab_records <"$LAB_DIR/$name.json" >"$LAB_DIR/$name"
	return "$rc"
}

for mode in args stdin; do
	if [ "$mode" = args ]; then
		lab_std_truth "$ports" v4 | sort >"$LAB_DIR/truth"
	else
		lab_std_truth "$ports" all | sort >"$LAB_DIR/truth"
	fi
	total=$(wc -l <"$LAB_DIR/truth")
	run full
	lab_is "$mode: the full scan is the truth" \
		"$(sort "$LAB_DIR/full" | cmp - "$LAB_DIR/truth" 2>&1)" ""
	for n in 2 3 5; do
		fails='' sizes=''
		: >"$LAB_DIR/union"
		for i in $(seq 1 "$n"); do
			run "s$i-$n" --shard "$i/$n" || fails="$fails $i/$n"
			cat "$LAB_DIR/s$i-$n" >>"$LAB_DIR/union"
			sizes="$sizes $(wc -l <"$LAB_DIR/s$i-$n")"
		done
		lab_is "$mode: shards of $n exit 0" "$fails" ""
		lab_is "$mode: shards of $n are disjoint" \
			"$(lab_dups "$LAB_DIR/union" | head -3)" ""
		lab_is "$mode: union of $n shards = the full scan" \
			"$(sort "$LAB_DIR/union" | cmp - "$LAB_DIR/truth" 2>&1)" ""
		# fair: each shard within half and one and a half of total/n
		lab_is "$mode: $n shards of fair size ($sizes of $total)" \
			"$(echo "$sizes" | awk -v t="$total" -v n="$n" '{
				for (i = 1; i <= NF; i++)
					if ($i < t / n / 2 || $i > 1.5 * t / n) print "unfair"
			}')" ""
	done
done
[ "$LAB_TFAIL" = 0 ]
