#!/bin/sh
# Turns the ranked port lists (data/top-tcp.txt, data/top-udp.txt: one port
# per line, most often open first, '#' comments) into a C table.
set -eu
emit() {
	name=$1 file=$2
	printf 'static const uint16_t %s[] = {\n' "$name"
	sed -e 's/#.*//' -e 's/[[:space:]]//g' "$file" | awk 'NF { printf "\t%d,\n", $1 }'
	printf '};\n'
}
printf '/* Generated from data/top-*.txt by tools/gen-topports.sh: do not edit. */\n'
printf '#include <stddef.h>\n#include <stdint.h>\n\n'
emit topports_tcp_table "$1"
emit topports_udp_table "$2"
printf 'const uint16_t *const topports_tcp = topports_tcp_table;\n'
printf 'const size_t topports_tcp_len = sizeof(topports_tcp_table) / sizeof(topports_tcp_table[0]);\n'
printf 'const uint16_t *const topports_udp = topports_udp_table;\n'
printf 'const size_t topports_udp_len = sizeof(topports_udp_table) / sizeof(topports_udp_table[0]);\n'
