# nray - one entry point: all, check, install, deps, fuzz, bench, clean.
#
#   make                          build every program into $(O)/bin
#   make demo                     scan this machine's loopback (a real pipeline)
#   make check                    unit + integration tests, man lint, format check
#   make SANITIZE=address,undefined check
#   make fuzz                     build the libFuzzer harnesses (clang)
#   make deps                     install the Debian packages build and tests need (root)
#   make install PREFIX=/usr/local DESTDIR=

PROGRAMS := nray-targets nray-scan nray-grab

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
CC      ?= cc
CLANG   ?= clang
WERROR  ?=

comma := ,

# SANITIZE=address,undefined builds into its own tree, so the two never mix.
SANITIZE ?=
ifneq ($(SANITIZE),)
  $(foreach s,$(subst $(comma), ,$(SANITIZE)),$(if $(filter $(s),address undefined leak),,$(error SANITIZE: unknown value '$(s)' (address, undefined, leak))))
  O ?= build/san
  SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
  O ?= build
  SANFLAGS :=
endif

WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-missing-field-initializers $(if $(WERROR),-Werror)
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE -Ilib -I$(O)/gen \
            -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)

LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(O)/%.o) $(O)/gen/topports.o
LIBNRAY  := $(O)/libnray.a

# Libraries each program links (beyond libnray and jansson).
LIBS_common      := -ljansson -lm
LIBS_nray-targets := -lcares -lresolv
LIBS_nray-scan    := -lcares
LIBS_nray-grab    := -lssl -lcrypto -lcares

BINS := $(PROGRAMS:%=$(O)/bin/%)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all demo check unit integration lint-man check-man-options format format-check \
        install deps fuzz fuzz-run bench clean
.DEFAULT_GOAL := all

all: $(BINS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The top-ports rankings are data files; they become a C table at build time.
$(O)/gen/topports.c: data/top-tcp.txt data/top-udp.txt tools/gen-topports.sh
	@mkdir -p $(@D)
	sh tools/gen-topports.sh data/top-tcp.txt data/top-udp.txt > $@.tmp && mv $@.tmp $@

$(O)/gen/topports.o: $(O)/gen/topports.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBNRAY): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# Each program is the objects of its own folder plus libnray.
define program_rule
$(O)/bin/$(1): $(patsubst %.c,$(O)/%.o,$(wildcard $(1)/*.c)) $(LIBNRAY)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(LIBNRAY) $$(LIBS_$(1)) $$(LIBS_common)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

$(O)/tests/%: $(O)/tests/unit/%.o $(LIBNRAY)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBNRAY) -lcares -lresolv $(LIBS_common)

# nray-grab's protocol modules, tested through an in-memory stub of the
# engine (tests/unit/grab_stub.c) with recorded server bytes.
GRAB_MOD_SRC := nray-grab/mod_ssh.c nray-grab/mod_http.c nray-grab/mod_ftp.c \
                nray-grab/mod_smtp.c nray-grab/mod_mail.c nray-grab/mod_redis.c \
                nray-grab/mod_db.c nray-grab/textproto.c
GRAB_TEST_OBJ := $(GRAB_MOD_SRC:%.c=$(O)/%.o) $(O)/tests/unit/grab_stub.o

$(O)/tests/unit/test_grab_parsers.o $(O)/tests/unit/grab_stub.o \
  $(O)/tests/unit/test_grab_textproto.o: ALL_CFLAGS += -Inray-grab

$(O)/tests/test_grab_parsers: $(O)/tests/unit/test_grab_parsers.o \
  $(GRAB_TEST_OBJ) $(LIBNRAY)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(GRAB_TEST_OBJ) $(LIBNRAY) -lssl -lcrypto \
	  $(LIBS_common)

$(O)/tests/test_grab_textproto: $(O)/tests/unit/test_grab_textproto.o \
  $(O)/nray-grab/textproto.o $(LIBNRAY)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(O)/nray-grab/textproto.o $(LIBNRAY) \
	  $(LIBS_common)

# Test tools: the lab's listener (tests/lab/netns.sh) and the permutation
# benchmark.
$(O)/tests/lab-listen: tests/lab/listen.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

$(O)/perm-bench: tests/bench/perm-bench.c $(LIBNRAY)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBNRAY) $(LIBS_common)

# --- tests ---------------------------------------------------------------

# prove (TAP) runs every unit test binary and every integration script.
check: all $(UNIT_BIN) $(O)/tests/lab-listen format-check lint-man check-man-options
	NRAY_BIN=$(abspath $(O)/bin) NRAY_TESTS=$(abspath $(O)/tests) NRAY_SANITIZE=$(SANITIZE) \
	  prove --exec '' --timer $(UNIT_BIN) $(sort $(wildcard tests/integration/*.t))

unit: $(UNIT_BIN)
	prove --exec '' $(UNIT_BIN)

integration: all $(O)/tests/lab-listen
	NRAY_BIN=$(abspath $(O)/bin) NRAY_TESTS=$(abspath $(O)/tests) NRAY_SANITIZE=$(SANITIZE) prove --exec '' --timer $(sort $(wildcard tests/integration/*.t))

MANPAGES := $(wildcard man/*.[1-8])

lint-man:
	@mandoc -Tlint -Wwarning $(MANPAGES) && echo "man pages: mandoc -Tlint clean"

# Every long option a program accepts must appear in its man page.
check-man-options: all
	@sh tools/check-man-options.sh $(O)/bin $(PROGRAMS)

FORMAT_SRC = $(wildcard lib/*.[ch] nray-*/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c \
               tests/lab/*.c tests/bench/*.c)

format:
	clang-format -i $(FORMAT_SRC)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) && echo "format: clang-format clean"

# --- fuzzing -------------------------------------------------------------

FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib -Ibuild/fuzz/gen \
               -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/%.o) build/fuzz/gen/topports.o

build/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/gen/topports.c: $(O)/gen/topports.c
	@mkdir -p $(@D)
	cp $< $@

build/fuzz/gen/topports.o: build/fuzz/gen/topports.c
	$(CLANG) $(FUZZ_CFLAGS) -c -o $@ $<

# Harnesses of a program's own parsers link that program's object too.
FUZZ_OBJ_fuzz_axfr := build/fuzz/nray-targets/axfr.o
FUZZ_INC_fuzz_axfr := -Inray-targets

# nray-grab's module harnesses: the module, the shared reader, the stub engine.
GRAB_FUZZ_COMMON = build/fuzz/nray-grab/textproto.o \
  build/fuzz/tests/unit/grab_stub.o
FUZZ_OBJ_fuzz_grab_http = build/fuzz/nray-grab/mod_http.o $(GRAB_FUZZ_COMMON)
FUZZ_OBJ_fuzz_grab_ssh = build/fuzz/nray-grab/mod_ssh.o $(GRAB_FUZZ_COMMON)
FUZZ_OBJ_fuzz_grab_ftp = build/fuzz/nray-grab/mod_ftp.o $(GRAB_FUZZ_COMMON)
FUZZ_OBJ_fuzz_grab_smtp = build/fuzz/nray-grab/mod_smtp.o $(GRAB_FUZZ_COMMON)
FUZZ_OBJ_fuzz_grab_imap = build/fuzz/nray-grab/mod_mail.o $(GRAB_FUZZ_COMMON)
FUZZ_OBJ_fuzz_grab_pop3 = build/fuzz/nray-grab/mod_mail.o $(GRAB_FUZZ_COMMON)
FUZZ_OBJ_fuzz_grab_redis = build/fuzz/nray-grab/mod_redis.o $(GRAB_FUZZ_COMMON)
FUZZ_OBJ_fuzz_grab_mysql = build/fuzz/nray-grab/mod_db.o $(GRAB_FUZZ_COMMON)
FUZZ_OBJ_fuzz_grab_postgres = build/fuzz/nray-grab/mod_db.o $(GRAB_FUZZ_COMMON)
$(foreach m,http ssh ftp smtp imap pop3 redis mysql postgres,\
  $(eval FUZZ_INC_fuzz_grab_$(m) := -Inray-grab -Itests/unit))
build/fuzz/tests/unit/grab_stub.o: FUZZ_CFLAGS += -Inray-grab
FUZZ_OBJ_fuzz_sniff := build/fuzz/nray-grab/sniff.o
FUZZ_INC_fuzz_sniff := -Inray-grab
FUZZ_OBJ_fuzz_ja3s := build/fuzz/nray-grab/ja3s.o
FUZZ_INC_fuzz_ja3s := -Inray-grab

.SECONDEXPANSION:
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ) $$(FUZZ_OBJ_fuzz_$$*)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_INC_fuzz_$*) -fsanitize=fuzzer -o $@ $^ \
	  -lssl -lcrypto -ljansson -lcares -lresolv -lm

fuzz: $(FUZZ_BIN)

# Each harness for a fixed time, from its seed corpus (CI runs this).
FUZZ_SECONDS ?= 30
fuzz-run: fuzz
	@set -e; for f in $(FUZZ_BIN); do \
	  n=$${f##*/}; c=build/fuzz/corpus/$$n; mkdir -p $$c; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 $$c tests/fuzz/corpus/$$n \
	    2>build/fuzz/$$n.log || { tail -n 40 build/fuzz/$$n.log; exit 1; }; \
	done; echo "fuzz: all harnesses ran clean"

# A real pipeline on a safe default: this machine's loopback only.
demo: all
	$(O)/bin/nray-targets 127.0.0.1 ::1 | $(O)/bin/nray-scan -p top1000 | $(O)/bin/nray-grab

# --- benchmarks (never part of check) -------------------------------------

bench: all $(O)/tests/lab-listen $(O)/perm-bench
	NRAY_TESTS=$(abspath $(O)/tests) sh tests/bench/run-all.sh $(abspath $(O)/bin)

# --- install / deps / clean ----------------------------------------------

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(wildcard man/*.5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(wildcard man/*.7) $(DESTDIR)$(MANDIR)/man7

# Debian packages for the build, the tests (real peers) and the benchmarks.
DEPS_BUILD := build-essential pkg-config libjansson-dev libc-ares-dev libssl-dev clang \
              libclang-rt-14-dev clang-format mandoc
DEPS_TEST  := perl iproute2 nftables knot knot-dnsutils procps jq python3 bc time openssl \
              openssh-server openssh-client nginx redis-server vsftpd exim4-daemon-light \
              dovecot-imapd dovecot-pop3d postgresql mariadb-server mariadb-client
DEPS_BENCH := nmap masscan zmap time

deps:
	sh tools/install-deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_BENCH)

clean:
	rm -rf build

.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)
