# tap.sh - TAP helpers for the shell integration tests (sourced).
#   ok COND-EXIT-STATUS NAME    e.g.  [ "$x" = 3 ]; ok $? "three"
#   is GOT WANT NAME
#   skip_all REASON             the whole file is skipped (prints the plan)
#   done_testing                prints the plan; exit status 1 if any failed
# Programs under test are in $NRAY_BIN (default: build/bin).

: "${NRAY_BIN:=$(cd "$(dirname "$0")/../.." && pwd)/build/bin}"
export NRAY_BIN
tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -n 20
	fi
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
