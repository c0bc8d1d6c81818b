#!/bin/sh
# nray-targets: parsing, records, exclusions, --split, --expand, shards,
# streaming, errors.  No network traffic at all.
. "$(dirname "$0")/../lib/tap.sh"
T=$NRAY_BIN/nray-targets
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$($T -q 192.0.2.7 192.0.2.0/30 192.0.2.1-5 192.0.2.9-192.0.2.12 2001:db8::/126 \
	'[2001:db8::1]:22' example.com:443 www.example.com.)
is "$out" '{"type":"target","ip":"192.0.2.7"}
{"type":"target","cidr":"192.0.2.0/30"}
{"type":"target","range":"192.0.2.1-192.0.2.5"}
{"type":"target","range":"192.0.2.9-192.0.2.12"}
{"type":"target","cidr":"2001:db8::/126"}
{"type":"target","ip":"2001:db8::1","port":22}
{"type":"target","host":"example.com","port":443}
{"type":"target","host":"www.example.com"}' "bare targets become canonical records"

printf '192.0.2.1\n1.2.3\n\n# a comment\n192.0.2.300\n{"type":"target","ip":"192.0.2.2","src":{"file":"a"},"x":[1]}\n{"type":"target"\n192.0.2.3 # web\n' >"$tmp/in"
$T -q <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
is $? 1 "rejected lines: exit status 1"
is "$(cat "$tmp/out")" '{"type":"target","ip":"192.0.2.1"}
{"type":"target","ip":"192.0.2.2","src":{"file":"a"},"x":[1]}
{"type":"target","ip":"192.0.2.3"}' "good lines around bad ones still come out, unknown fields kept"
grep -q '^nray-targets: stdin:2: bad IPv4 address: "1.2.3"$' "$tmp/err"
ok $? "a bad line is reported with its line number"
grep -q '^nray-targets: stdin:5: ' "$tmp/err" && grep -q '^nray-targets: stdin:7: invalid JSON' "$tmp/err"
ok $? "blank and comment lines count in line numbers; bad JSON is named"

out=$($T -q --exclude 10.0.0.64/26 10.0.0.0/24)
is "$out" '{"type":"target","cidr":"10.0.0.0/26"}
{"type":"target","cidr":"10.0.0.128/25"}' "an excluded block splits a network into what remains"
out=$($T -q 224.0.0.1 0.0.0.1 255.255.255.255 127.0.0.1 10.1.2.3 192.168.0.1 ff02::1 ::1)
is "$out" '{"type":"target","ip":"127.0.0.1"}
{"type":"target","ip":"10.1.2.3"}
{"type":"target","ip":"192.168.0.1"}
{"type":"target","ip":"::1"}' "the built-in never-scan list, but not loopback or private ranges"
is "$($T -q --no-default-exclude 224.0.0.1)" '{"type":"target","ip":"224.0.0.1"}' "--no-default-exclude"
printf '# site\n10.9.0.0/16\n' >"$tmp/site"
is "$(NRAY_EXCLUDE=$tmp/site $T -q 10.9.1.1 10.8.1.1)" '{"type":"target","ip":"10.8.1.1"}' "site-wide file from NRAY_EXCLUDE"
printf '10.0.0.0/8\nbogus\n' >"$tmp/ex"
$T -q --exclude-file "$tmp/ex" 10.0.0.1 >/dev/null 2>"$tmp/err"
is $? 2 "bad exclusion file: usage error"
grep -q "ex:2: " "$tmp/err"
ok $? "bad exclusion file: file and line named"
$T -q --exclude example.com 10.0.0.1 >/dev/null 2>&1
is $? 2 "names are not exclusions"

is "$($T -q --split 64 10.0.0.0/25 10.0.1.1-10.0.1.6)" '{"type":"target","cidr":"10.0.0.0/26"}
{"type":"target","cidr":"10.0.0.64/26"}
{"type":"target","range":"10.0.1.1-10.0.1.6"}' "--split cuts networks into aligned blocks, leaves small ones"
is "$($T -q --split 4 10.0.1.1-10.0.1.6)" '{"type":"target","ip":"10.0.1.1"}
{"type":"target","cidr":"10.0.1.2/31"}
{"type":"target","cidr":"10.0.1.4/31"}
{"type":"target","ip":"10.0.1.6"}' "--split cuts ranges into aligned blocks"

$T -q --expand 10.0.0.0/24 10.0.0.128/25 10.0.0.7 >"$tmp/e1"
is "$(wc -l <"$tmp/e1")" 256 "--expand: overlaps merge, every address once"
is "$(jq -r .ip "$tmp/e1" | sort -u | wc -l)" 256 "--expand: no duplicates"
jq -r .ip "$tmp/e1" | sort -t. -k4,4n | cmp -s - "$tmp/e1"
ok $((! $?)) "--expand: not in ascending order"
$T -q --expand 10.0.0.0/24 10.0.0.128/25 10.0.0.7 | cmp -s - "$tmp/e1"
ok $? "--expand: the same seed gives the same order"
$T -q --expand --seed 7 10.0.0.0/24 | cmp -s - "$tmp/e1"
ok $((! $?)) "--expand: another seed gives another order"
printf '{"cidr":"10.0.0.0/31","port":80}\n{"cidr":"10.0.0.0/31","port":443}\n' |
	$T -q --expand | jq -c '[.ip,.port]' | sort >"$tmp/g"
is "$(cat "$tmp/g")" '["10.0.0.0",443]
["10.0.0.0",80]
["10.0.0.1",443]
["10.0.0.1",80]' "--expand keeps records with different fields apart"

for n in 2 3 7; do
	: >"$tmp/union"
	i=1
	while [ $i -le $n ]; do
		$T -q --expand --seed 99 --shard $i/$n 10.20.0.0/16 >>"$tmp/union"
		i=$((i + 1))
	done
	is "$(sort "$tmp/union" | uniq | wc -l) $(wc -l <"$tmp/union")" "65536 65536" \
		"--shard 1/$n..$n/$n: disjoint and complete over a /16"
done
$T -q --shard 1/2 10.0.0.0/24 >/dev/null 2>&1
is $? 2 "--shard without --expand is a usage error"
$T -q --expand --shard 3/2 10.0.0.0/24 >/dev/null 2>&1
is $? 2 "--shard 3/2 is a usage error"

is "$($T -q -p 22,80 10.0.0.1 10.0.0.2:443)" '{"type":"target","ip":"10.0.0.1","ports":"22,80"}
{"type":"target","ip":"10.0.0.2","port":443}' "-p adds ports to records without their own"
$T -q -p 70000 10.0.0.1 >/dev/null 2>&1
is $? 2 "-p with a bad spec is a usage error"

{ printf '10.0.0.1\n'; head -c 5000 /dev/zero | tr '\0' x; printf '\n10.0.0.2\n'; } >"$tmp/long"
$T -q --max-line 100 <"$tmp/long" >"$tmp/out" 2>"$tmp/err"
is "$?:$(jq -r .ip "$tmp/out" | tr '\n' ' ')" "1:10.0.0.1 10.0.0.2 " "an overlong line is skipped, its neighbours kept"
grep -q 'stdin:2: line too long' "$tmp/err"
ok $? "an overlong line is reported with its number"

$T --help | grep -q -- '--expand'
ok $? "--help on stdout"
is "$($T --version)" "nray-targets 0.1.0" "--version"
$T --bogus >/dev/null 2>&1
is $? 2 "an unknown option is a usage error"
$T --split 0 10.0.0.0/8 >/dev/null 2>&1
is $? 2 "--split 0 is out of range"

# A closed pipe ends the program quietly.
$T --expand 10.0.0.0/8 2>"$tmp/err" | head -n 1 >/dev/null
is "$(grep -c -v '^nray-targets: in=' "$tmp/err")" 0 "| head: no error message"

# Output flows while input does: the first record comes before input ends.
mkfifo "$tmp/fifo"
( printf '10.0.0.1\n'; sleep 5; printf '10.0.0.2\n' ) >"$tmp/fifo" &
writer=$!
$T -q <"$tmp/fifo" >"$tmp/stream" &
reader=$!
sleep 1
is "$(cat "$tmp/stream")" '{"type":"target","ip":"10.0.0.1"}' "output flows before input ends"
kill $writer $reader 2>/dev/null
wait 2>/dev/null

# A million lines stream through in bounded memory.
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "10.%d.%d.%d\n", i / 65536 % 256, i / 256 % 256, i % 256 }' >"$tmp/million"
if [ -n "${NRAY_SANITIZE:-}" ]; then
	echo "ok $((tap_n + 1)) # SKIP memory is not measurable under sanitizers"
	echo "ok $((tap_n + 2)) # SKIP memory is not measurable under sanitizers"
	tap_n=$((tap_n + 2))
elif [ -x /usr/bin/time ]; then
	/usr/bin/time -f %M -o "$tmp/rss" $T -q <"$tmp/million" | wc -l >"$tmp/count"
	is "$(cat "$tmp/count")" 1000000 "a million lines in, a million records out"
	rss=$(cat "$tmp/rss")
	[ "$rss" -lt 30000 ]
	ok $? "bounded memory for a million lines (peak RSS ${rss} KiB < 30 MiB)"
else
	echo "ok $((tap_n + 1)) # SKIP /usr/bin/time (package time) not installed"
	echo "ok $((tap_n + 2)) # SKIP /usr/bin/time (package time) not installed"
	tap_n=$((tap_n + 2))
fi
done_testing
