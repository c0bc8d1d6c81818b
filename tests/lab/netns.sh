# tests/lab/netns.sh - the network-namespace lab of nray's scanner tests.
# Source it from bash (tests/integration/scan-*.t, tests/bench/scan-bench.sh).
#
# Two namespaces joined by one veth pair, nothing else:
#
#   scanner ns  nray-s<PID>                 target ns  nray-t<PID>
#     veth nrs<PID> 10.79.0.1/24 ------------ veth nrt<PID> 10.79.0.2/24
#                   fd6e:7261:7901::1/64                    fd6e:7261:7901::2/64
#     routes: 10.78.0.0/16 via 10.79.0.2       AnyIP: local 10.78.0.0/16 dev lo
#             fd6e:7261:7900::/48 via ...::2          local fd6e:7261:7900::/48 dev lo
#
# (The link networks lie outside the AnyIP prefixes: otherwise the target
# would take the scanner's own address for a local one.)
# The scanner namespace has no default route: its only routes lead into the
# lab, so a wrong target fails with "Network is unreachable" and never leaves
# the machine (TESTING.md).  Both prefixes are private (10.0.0.0/8, ULA
# fd00::/8) and exist only inside these namespaces, which have no link to the
# host, so they cannot collide with the host's own networks.  Every address of
# the target prefix answers (AnyIP); per-host behaviour comes from nftables
# rules keyed on address bits, open ports from listen.c (accept and close),
# closed ports from the kernel's RST.
#
# Functions (each returns non-zero with a message on stderr on failure):
#   lab_check          0 when the lab can be built; else LAB_SKIP says why
#   lab_up             build the namespaces; installs the teardown trap
#   lab_down           tear everything down (the EXIT trap calls it)
#   lab_scan CMD...    run CMD in the scanner namespace
#   lab_run SECS CMD...  run CMD in the scanner namespace with a deadline
#   lab_tgt CMD...     run CMD in the target namespace
#   lab_rule RULE      append an nftables rule to the target's input chain
#   lab_loss P         drop P% of TCP packets entering the target (numgen)
#   lab_redirect ADDR PORT   send all TCP to ADDR to local PORT (tarpit)
#   lab_listen SPEC... start a listener on the ports of SPEC (e.g. 1-10,22)
#   lab_expand SPEC    print the ports of SPEC, one a line
#   lab_std_up [LISTENSPEC [OPENMOD OPENREM]]   the standard ground-truth lab
#   lab_std_truth PORTSPEC [v4|v6|all]          its truth: "ip port state"
#   lab_records        stdin nray-scan JSON -> "ip port state" lines (jq)
#   lab_score FOUND TRUTH STATE   "recall precision missing extra" of STATE
#   lab_mac            the target veth's MAC (for masscan/zmap)
#   lab_ok, lab_is, lab_states, lab_dups, lab_diag, lab_scanner: TAP helpers
#
# A test:  . tests/lab/netns.sh; lab_check || skip "$LAB_SKIP"; lab_up;
#          lab_std_up; lab_std_truth "$LAB_STD_PORTS" >truth;
#          lab_scan nray-scan --states all -p "$LAB_STD_PORTS" 10.78.1.1-254

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_V4=10.78.0.0/16
LAB_V6=fd6e:7261:7900::/48
LAB_V6_HOSTS=fd6e:7261:7900:1:: # standard v6 hosts: fd6e:7261:7900:1::1-20
LAB_SCAN_IP=10.79.0.1
LAB_TGT_IP=10.79.0.2
LAB_SCAN_IP6=fd6e:7261:7901::1
LAB_TGT_IP6=fd6e:7261:7901::2
# shellcheck disable=SC2034 # used by the benchmark
LAB_SPARE_IP=10.79.0.100 # unused link address for raw-socket peers
LAB_ID=$$
LAB_SCAN=nray-s$LAB_ID
LAB_TGT=nray-t$LAB_ID
LAB_VS=nrs$LAB_ID
LAB_VT=nrt$LAB_ID
LAB_DIR=
LAB_PIDS=
LAB_SKIP= # why lab_check failed: the caller's TAP "# SKIP" reason

lab_check() {
	LAB_SKIP=
	if [ "$(id -u)" != 0 ]; then
		LAB_SKIP="needs root for network namespaces (uid $(id -u))"
	elif ! command -v ip >/dev/null || ! command -v nft >/dev/null; then
		LAB_SKIP="needs ip (iproute2) and nft (nftables)"
	elif ! command -v jq >/dev/null; then
		LAB_SKIP="needs jq"
	elif ! command -v cc >/dev/null && [ ! -x "${NRAY_TESTS:-/nonexistent}/lab-listen" ]; then
		LAB_SKIP="needs cc to build tests/lab/listen.c"
	elif ! ip netns add "nray-probe$LAB_ID" 2>/dev/null; then
		LAB_SKIP="cannot create network namespaces here"
	else
		ip netns del "nray-probe$LAB_ID"
		return 0
	fi
	return 1
}

lab_scan() { ip netns exec "$LAB_SCAN" "$@"; }

# lab_run SECONDS CMD...: CMD in the scanner namespace with a deadline (TERM,
# then KILL 10 s later), as a waited-for background job so that a signal to
# the test runs the teardown at once rather than after CMD; stdin is kept.
lab_run() {
	local limit=$1
	shift
	timeout -k 10 "$limit" ip netns exec "$LAB_SCAN" "$@" 0<&0 &
	wait "$!"
}
lab_tgt() { ip netns exec "$LAB_TGT" "$@"; }

# Namespaces left by a run that was killed outright (SIGKILL skips traps).
lab_reap_stale() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in nray-[st][0-9]*) ;; *) continue ;; esac
		pid=${ns#nray-?}
		[ "$pid" = "$LAB_ID" ] && continue
		kill -0 "$pid" 2>/dev/null || ip netns del "$ns" 2>/dev/null
	done
}

lab_down() {
	local p
	# The processes this lab started, and whatever still runs inside its
	# namespaces (a scanner left by a failed test): all ours, by PID.
	for p in $LAB_PIDS $(ip netns pids "$LAB_TGT" 2>/dev/null) \
		$(ip netns pids "$LAB_SCAN" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	for p in $LAB_PIDS; do
		wait "$p" 2>/dev/null
	done
	LAB_PIDS=
	ip netns del "$LAB_SCAN" 2>/dev/null
	ip netns del "$LAB_TGT" 2>/dev/null
	[ -n "$LAB_DIR" ] && rm -rf "$LAB_DIR"
	LAB_DIR=
	return 0
}

lab_up() {
	trap 'lab_down' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lab_reap_stale
	LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nray-lab.XXXXXX") || return 1
	{
		ip netns add "$LAB_SCAN" &&
		ip netns add "$LAB_TGT" &&
		ip link add "$LAB_VS" netns "$LAB_SCAN" type veth \
			peer name "$LAB_VT" netns "$LAB_TGT" &&
		# scanner: lo, the veth, routes into the lab only
		lab_scan ip link set lo up &&
		lab_scan sysctl -qw net.ipv6.conf."$LAB_VS".accept_dad=0 \
			net.ipv6.conf."$LAB_VS".accept_ra=0 \
			net.ipv4.ip_local_port_range="1024 65535" &&
		lab_scan ip addr add "$LAB_SCAN_IP/24" dev "$LAB_VS" &&
		lab_scan ip addr add "$LAB_SCAN_IP6/64" dev "$LAB_VS" nodad &&
		lab_scan ip link set "$LAB_VS" up &&
		lab_scan ip route add "$LAB_V4" via "$LAB_TGT_IP" &&
		lab_scan ip -6 route add "$LAB_V6" via "$LAB_TGT_IP6" &&
		# target: AnyIP for both prefixes, big accept queues, no ICMP limit
		lab_tgt ip link set lo up &&
		lab_tgt sysctl -qw net.ipv6.conf."$LAB_VT".accept_dad=0 \
			net.ipv6.conf."$LAB_VT".accept_ra=0 \
			net.core.somaxconn=65535 \
			net.ipv4.tcp_max_syn_backlog=65535 \
			net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 &&
		lab_tgt ip addr add "$LAB_TGT_IP/24" dev "$LAB_VT" &&
		lab_tgt ip addr add "$LAB_TGT_IP6/64" dev "$LAB_VT" nodad &&
		lab_tgt ip link set "$LAB_VT" up &&
		lab_tgt ip route add local "$LAB_V4" dev lo &&
		lab_tgt ip -6 route add local "$LAB_V6" dev lo &&
		lab_tgt nft -f - <<-EOF
			table inet nraylab {
				chain input { type filter hook input priority 0; policy accept; }
				chain pre { type nat hook prerouting priority -100; policy accept; }
			}
		EOF
	} || {
		echo "lab: building the namespaces failed" >&2
		return 1
	}
	# The safety rule, checked rather than assumed: no default route, and
	# an address outside the lab is unreachable (a route lookup, no packet).
	if [ -n "$(lab_scan ip -4 route show default)$(lab_scan ip -6 route show default)" ] ||
		lab_scan ip -4 route get 192.0.2.1 >/dev/null 2>&1 ||
		lab_scan ip -6 route get 2001:db8::1 >/dev/null 2>&1; then
		echo "lab: the scanner namespace can reach outside the lab" >&2
		return 1
	fi
	lab_wait_link
}

# The veth must pass traffic before a scan starts (IPv6 neighbours too): a
# connection to a closed port of the target's link address must be refused.
lab_refused() {
	lab_scan timeout 2 bash -c "exec 3<>/dev/tcp/$1/9" 2>&1 | grep -q refused
}

lab_wait_link() {
	local _
	for _ in $(seq 50); do
		lab_refused "$LAB_TGT_IP" && lab_refused "$LAB_TGT_IP6" && return 0
		sleep 0.1
	done
	echo "lab: the veth link does not come up" >&2
	return 1
}

lab_rule() { lab_tgt nft add rule inet nraylab input "$@"; }

lab_loss() {
	lab_tgt nft insert rule inet nraylab input meta l4proto tcp \
		numgen random mod 100 '<' "$1" counter drop
}

lab_redirect() {
	lab_tgt nft add rule inet nraylab pre ip daddr "$1" meta l4proto tcp \
		redirect to :"$2"
}

lab_listen_bin() {
	if [ -x "${NRAY_TESTS:-/nonexistent}/lab-listen" ]; then
		echo "$NRAY_TESTS/lab-listen"
		return 0
	fi
	if [ ! -x "$LAB_DIR/listen" ]; then
		cc -std=gnu11 -O2 -D_GNU_SOURCE -o "$LAB_DIR/listen" \
			"$LAB_SRC/listen.c" >&2 || return 1
	fi
	echo "$LAB_DIR/listen"
}

lab_listen() {
	local bin ready pid _
	bin=$(lab_listen_bin) || return 1
	ready=$(mktemp "$LAB_DIR/ready.XXXXXX") && rm -f "$ready"
	# ip netns exec execs the listener: $! is the listener itself.  Its
	# output goes to files so that it never holds the test's stdout.
	ip netns exec "$LAB_TGT" "$bin" -r "$ready" "$@" \
		</dev/null >/dev/null 2>>"$LAB_DIR/listen.log" &
	pid=$!
	LAB_PIDS="$LAB_PIDS $pid"
	for _ in $(seq 100); do
		[ -s "$ready" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "lab: listener on $* did not start" >&2
	return 1
}

lab_expand() {
	echo "$1" | tr ',' '\n' | awk -F- 'NF == 1 && $1 != "" { print $1 }
		NF == 2 { for (p = $1; p <= $2; p++) print p }'
}

lab_mac() { lab_tgt cat "/sys/class/net/$LAB_VT/address"; }

# --- the standard ground-truth lab ----------------------------------------
#
# Hosts 10.78.1.1-254 and fd6e:7261:7900:1::1-20 (hex; 32 hosts).  With h the
# host number (last octet, or the last 16 bits of the v6 address) and p the
# port, in this order:
#   h % 16 == 5              silent host: every packet dropped   -> filtered
#   h % 4 == 0 and p >= 1000 firewalled quarter: dropped          -> filtered
#   h/2 % 4 == 3 and p odd   rejected with a TCP reset            -> closed
#   p in LISTEN (and h % OPENMOD == OPENREM when given)           -> open
#   anything else            no listener, the kernel's RST        -> closed
# LISTEN defaults to every port divisible by 3 in LAB_STD_PORTS.
LAB_STD_PORTS=1-120,440-449,990-1099,8000-8009
LAB_STD_LISTEN=
LAB_STD_OPENMOD=1
LAB_STD_OPENREM=0

lab_std_up() {
	local listen=${1:-} v4="ip daddr 10.78.1.0/24" v6="ip6 daddr ${LAB_V6_HOSTS}0/112"
	if [ -z "$listen" ]; then
		listen=$(lab_expand "$LAB_STD_PORTS" | awk '$1 % 3 == 0' | paste -sd,)
	fi
	LAB_STD_LISTEN=$listen
	LAB_STD_OPENMOD=${2:-1}
	LAB_STD_OPENREM=${3:-0}
	# $v4 and $v6 are rule fragments: split into words on purpose
	# shellcheck disable=SC2086
	lab_rule $v4 ip daddr '&' 0.0.0.15 == 0.0.0.5 drop &&
	lab_rule $v6 ip6 daddr '&' ::f == ::5 drop &&
	lab_rule $v4 ip daddr '&' 0.0.0.3 == 0.0.0.0 tcp dport '>=' 1000 drop &&
	lab_rule $v6 ip6 daddr '&' ::3 == ::0 tcp dport '>=' 1000 drop &&
	lab_rule $v4 ip daddr '&' 0.0.0.6 == 0.0.0.6 tcp dport '&' 1 == 1 \
		reject with tcp reset &&
	lab_rule $v6 ip6 daddr '&' ::6 == ::6 tcp dport '&' 1 == 1 \
		reject with tcp reset || return 1
	if [ "$LAB_STD_OPENMOD" -gt 1 ]; then
		# power of two: the mask keeps the low bits
		local m=$((LAB_STD_OPENMOD - 1)) r=$LAB_STD_OPENREM
		# shellcheck disable=SC2086
		lab_rule $v4 ip daddr '&' 0.0.0.$m != 0.0.0.$r \
			reject with tcp reset &&
		lab_rule $v6 ip6 daddr '&' "::$(printf %x $m)" != "::$(printf %x $r)" \
			reject with tcp reset || return 1
	fi
	lab_listen "$listen"
}

# The truth of lab_std_up for the ports of PORTSPEC: "ip port state" lines,
# computed by the same rules as the nftables ruleset above.
lab_std_truth() {
	local spec=$1 fam=${2:-all}
	{
		lab_expand "$LAB_STD_LISTEN" | sed 's/^/L /'
		lab_expand "$spec" | sed 's/^/P /'
	} | awk -v fam="$fam" -v mod="$LAB_STD_OPENMOD" -v rem="$LAB_STD_OPENREM" \
		-v v6="$LAB_V6_HOSTS" '
		$1 == "L" { listen[$2] = 1; next }
		$1 == "P" { port[++np] = $2; next }
		function state(h, p) {
			if (h % 16 == 5) return "filtered"
			if (h % 4 == 0 && p >= 1000) return "filtered"
			if (int(h / 2) % 4 == 3 && p % 2 == 1) return "closed"
			if (h % mod != rem) return "closed"
			return (p in listen) ? "open" : "closed"
		}
		END {
			if (fam != "v6")
				for (h = 1; h <= 254; h++)
					for (i = 1; i <= np; i++)
						print "10.78.1." h, port[i], state(h, port[i])
			if (fam != "v4")
				for (h = 1; h <= 32; h++)
					for (i = 1; i <= np; i++)
						printf "%s%x %d %s\n", v6, h, port[i], state(h, port[i])
		}'
}

# nray-scan's port records as "ip port state", one a line.
lab_records() {
	jq -r 'select(.type == "port") | "\(.ip) \(.port) \(.state)"'
}

# Compares FOUND with TRUTH ("ip port state" files) for STATE: prints
# "recall precision missing extra" (recall and precision in percent, two
# decimals; 100.00 when the set is empty).
lab_score() {
	local found=$1 truth=$2 st=$3
	awk -v st="$st" '
		FNR == NR { if ($3 == st) t[$1 " " $2] = 1; next }
		$3 == st { k = $1 " " $2; if (k in f) next; f[k] = 1 }
		END {
			for (k in t) { nt++; if (k in f) hit++ }
			for (k in f) { nf++; if (!(k in t)) extra++ }
			printf "%.2f %.2f %d %d\n", nt ? 100 * hit / nt : 100,
				nf ? 100 * (nf - extra) / nf : 100, nt - hit, extra
		}' "$truth" "$found"
}

# --- TAP helpers for the scan tests ---------------------------------------

LAB_T=0
LAB_TFAIL=0

# lab_ok DESC CMD...: test CMD's exit status.
lab_ok() {
	local desc=$1
	shift
	LAB_T=$((LAB_T + 1))
	if "$@"; then
		echo "ok $LAB_T - $desc"
		return 0
	fi
	echo "not ok $LAB_T - $desc"
	LAB_TFAIL=$((LAB_TFAIL + 1))
	return 1
}

# lab_is DESC GOT WANT: exact comparison.
lab_is() {
	LAB_T=$((LAB_T + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $LAB_T - $1"
		return 0
	fi
	echo "not ok $LAB_T - $1"
	echo "#   got:  '$2'"
	echo "#   want: '$3'"
	LAB_TFAIL=$((LAB_TFAIL + 1))
	return 1
}

lab_diag() { sed 's/^/# /'; }

# The nray-scan under test ($NRAY_BIN from make check).
lab_scanner() {
	local d=${NRAY_BIN:-$LAB_SRC/../../build/bin}
	echo "$d/nray-scan"
}

# lab_states DESC FOUND TRUTH STATE: recall and precision of STATE are 100%;
# on failure shows a few of the missing and extra records.
lab_states() {
	local desc=$1 found=$2 truth=$3 st=$4 score
	score=$(lab_score "$found" "$truth" "$st")
	lab_is "$desc: $st recall precision missing extra" "$score" \
		"100.00 100.00 0 0"
	if [ "$score" != "100.00 100.00 0 0" ]; then
		awk -v st="$st" '$3 == st' "$truth" | sort -u >"$LAB_DIR/want.$st"
		awk -v st="$st" '$3 == st' "$found" | sort -u >"$LAB_DIR/got.$st"
		comm -23 "$LAB_DIR/want.$st" "$LAB_DIR/got.$st" | head -5 |
			sed 's/^/missing: /' | lab_diag
		comm -13 "$LAB_DIR/want.$st" "$LAB_DIR/got.$st" | head -5 |
			sed 's/^/extra: /' | lab_diag
	fi
}

# Duplicate (ip, port) pairs in FOUND, one a line.
lab_dups() { awk '{ print $1, $2 }' "$1" | sort | uniq -d; }
