# spartac - plain GNU make.
#
#   make                       build $(BUILD)/spartac
#   make check                 unit tests, golden CLI tests, peers (pytest)
#   make check SANITIZER=address,undefined   the same under ASan+UBSan
#   make install PREFIX=/usr DESTDIR=/tmp/pkg
#   make fuzz                  libFuzzer target for load+validate (clang)
#   make example               build spartac and run it on sparta.yaml.example
#   make san                   the sanitizer tree build-san/ (make check runs it)
#   make deb                   build/spartac_VERSION_ARCH.deb (tools/deb.sh)
#   make fresh-check           the README's commands in a clean Debian 12 root
#                              (tools/fresh-check.sh; root, debootstrap)
#   make differential          2,000 mutated manifests: validate, build and
#                              cfn-lint agree (tests/differential.py)

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/spartac
INCDIR   ?= $(PREFIX)/include
LIBDIR   ?= $(PREFIX)/lib
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC       ?= cc
# tools/setup.sh test puts the Python test peers into $(VENV); make check
# uses that interpreter and puts its bin/ (moto_server, aws, cfn-lint,
# cargo-lambda) first on PATH. Without it, python3 and PATH as they are.
VENV     ?= .venv
PYTHON   ?= $(if $(wildcard $(VENV)/bin/python),$(VENV)/bin/python,python3)
VENVPATH := $(if $(wildcard $(VENV)/bin/python),PATH=$(abspath $(VENV))/bin:$$PATH)
SANITIZER ?=
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
# The commit spartac --version names: git's, or the COMMIT file of a source
# tarball made without .git, or "unknown".
COMMIT   := $(shell if [ -e .git ]; then git rev-parse --short HEAD 2>/dev/null; \
                elif [ -f COMMIT ]; then cat COMMIT; fi)
COMMIT   := $(or $(COMMIT),unknown)

ifeq ($(SANITIZER),)
BUILD    ?= build
SANFLAGS :=
else
BUILD    ?= build-san
SANFLAGS := -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

PKGS     := yaml-0.1 libcjson libzip expat openssl libgvc
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
            -Wwrite-strings -Wshadow -Werror
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
             $(CFLAGS) $(SANFLAGS) -Isrc -Iinclude -I$(BUILD)/gen $(PKG_CFLAGS) \
             -DSPARTAC_VERSION='"$(VERSION)"' -DSPARTAC_COMMIT='"$(COMMIT)"' -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# Every stage folder of src/ except runtime/, which is compiled into each
# bootstrap (embedded below), not into spartac.
SRC      := $(sort $(filter-out src/runtime/%,$(wildcard src/*/*.c)))
OBJ      := $(SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/embedded.o
LIBOBJ   := $(filter-out $(BUILD)/src/cli/main.o,$(OBJ))
UNITSRC  := $(wildcard tests/unit/test_*.c)
UNITBIN  := $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
# The JSON-Schema-Test-Suite runner (driven by tests/test_jsonschema_suite.py).
UNITBIN  += $(BUILD)/tests/jsts_runner
# The SigV4 driver again, built as a bootstrap builds the signer: the same
# sources with BearSSL's hashes (runtime/aws_hash.c), for the botocore oracle.
UNITBIN  += $(BUILD)/tests/test_sigv4_rt

# Files compiled into the binary, reachable through embedded.h.
# The runtime also compiles spartac's SigV4 signer and what it needs (one
# signer for both; src/aws/sigv4_hash.h is the seam between their hashes).
RUNTIME_SHARED := src/base/util.c src/base/util.h src/base/cors.c src/base/cors.h \
                  src/aws/url.c src/aws/url.h \
                  src/aws/sigv4.c src/aws/sigv4.h src/aws/sigv4_hash.h \
                  src/aws/retry_codes.c src/aws/retry_codes.h
EMBED_FILES := schema/sparta.schema.json schema/cfn-types.tsv $(RUNTIME_SHARED) \
               $(sort $(wildcard src/runtime/*.c src/runtime/*.h include/sparta/*.h))

.PHONY: all check unit install uninstall clean fuzz example lint-man docs structure cfn-types \
        san deb fresh-check differential moto-1000 FORCE
all: $(BUILD)/spartac

$(BUILD)/spartac: $(OBJ)
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ) $(PKG_LIBS) -lm

# Quiet by default (one line per file); make V=1 shows the commands.
ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-6s %s\n'
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Rewritten only when the commit changes, so that cli.o (which prints it in
# --version) is rebuilt then and only then.
$(BUILD)/gen/commit: FORCE
	@mkdir -p $(@D)
	@echo '$(COMMIT)' | cmp -s - $@ || echo '$(COMMIT)' > $@
$(BUILD)/src/cli/cli.o: $(BUILD)/gen/commit

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/gen/embedded.c: $(BUILD)/tools/embed $(EMBED_FILES)
	@mkdir -p $(@D)
	$(BUILD)/tools/embed $(EMBED_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/embedded.o: $(BUILD)/gen/embedded.c
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(BUILD)/libspartac.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libspartac.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libspartac.a $(ALL_LDFLAGS) $(PKG_LIBS) -lm

unit: $(UNITBIN)

SIGV4_RT_SRC := tests/unit/test_sigv4.c src/aws/sigv4.c src/aws/url.c src/base/util.c \
                src/runtime/aws_hash.c
$(BUILD)/tests/test_sigv4_rt: $(SIGV4_RT_SRC) tests/unit/unit.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $(SIGV4_RT_SRC) $(ALL_LDFLAGS) \
	    -lcjson /usr/lib/$(shell $(CC) -dumpmachine)/libbearssl.a

# The whole suite is driven by pytest (tests/test_*.py): it runs the C unit
# binaries, the golden CLI cases and the third-party peers, and ends with
# pytest's summary line. The trees it runs are built here, not by pytest:
# build-san/ for tests/test_memory.py (unless the whole suite already runs
# sanitized) and build-fuzz/ for tests/test_fuzz.py. The structure check
# runs after the suite, so that one failing does not hide the other.
check: all unit lint-man $(if $(SANITIZER),,san) fuzz
	@rc=0; \
	$(VENVPATH) SPARTAC_BUILD=$(abspath $(BUILD)) SPARTAC_SANITIZER=$(SANITIZER) \
	    $(PYTHON) -m pytest -q --tb=short -p no:cacheprovider tests || rc=1; \
	$(PYTHON) tools/structure.py || rc=1; \
	exit $$rc

san:
	$(MAKE) SANITIZER=address,undefined BUILD=build-san all unit

# The include graph by stage; fails on a forbidden edge, a cycle, an exit()
# outside main.c, or a file or function over the size limits.
structure:
	$(PYTHON) tools/structure.py

lint-man:
	mandoc -T lint -W warning man/spartac.1

# The main job: compile the example service (bootstrap, code.zip and
# template.json under .spartac/), offline.
example: all
	$(BUILD)/spartac build sparta.yaml.example

docs:
	$(PYTHON) tools/gen_manifest_doc.py schema/sparta.schema.json > docs/manifest.md.tmp
	mv docs/manifest.md.tmp docs/manifest.md

# The cfn-lint differential, full size (make check runs 200 of it).
differential: all
	SPARTAC_BUILD=$(BUILD) $(PYTHON) tests/differential.py --count 2000

# A 1,000-function service split into nested stacks, deployed on moto:
# wall time, API calls, templates and the largest (bench/RESULTS.md).
moto-1000: all
	SPARTAC=$(abspath $(BUILD))/spartac sh bench/moto_1000.sh 1000

# The CloudFormation type table (committed; rerun after upgrading cfn-lint).
cfn-types:
	$(PYTHON) tools/gen_cfn_types.py > schema/cfn-types.tsv.tmp
	mv schema/cfn-types.tsv.tmp schema/cfn-types.tsv

FUZZ_CC ?= clang
fuzz:
	$(MAKE) BUILD=build-fuzz CC=$(FUZZ_CC) SANITIZER=address,undefined \
	    CFLAGS="-O1 -g -fsanitize=fuzzer-no-link" build-fuzz/libspartac.a
	$(FUZZ_CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -Ibuild-fuzz/gen \
	    -o build-fuzz/fuzz_load tests/fuzz/fuzz_load.c build-fuzz/libspartac.a \
	    $(PKG_LIBS) -lm
	$(FUZZ_CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -Ibuild-fuzz/gen \
	    -o build-fuzz/fuzz_schema tests/fuzz/fuzz_schema.c build-fuzz/libspartac.a \
	    $(PKG_LIBS) -lm

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(INCDIR)/sparta $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(BUILD)/spartac $(DESTDIR)$(BINDIR)/spartac
	install -m 0644 man/spartac.1 $(DESTDIR)$(MANDIR)/man1/spartac.1
	install -m 0644 schema/sparta.schema.json $(DESTDIR)$(DATADIR)/sparta.schema.json
	for h in $(wildcard include/sparta/*.h); do install -m 0644 $$h $(DESTDIR)$(INCDIR)/sparta/; done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' sparta-lambda.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/sparta-lambda.pc

# A Debian package of spartac (tools/deb.sh: install into a staging root,
# control file with the dependencies, dpkg-deb --build).
deb: all
	sh tools/deb.sh $(BUILD)

# The README's two commands in a clean Debian 12 root, then the package in
# a second one (tools/fresh-check.sh; needs root and debootstrap).
fresh-check:
	sh tools/fresh-check.sh

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/spartac $(DESTDIR)$(MANDIR)/man1/spartac.1 \
	    $(DESTDIR)$(DATADIR)/sparta.schema.json $(DESTDIR)$(PKGCONFIGDIR)/sparta-lambda.pc
	rm -rf $(DESTDIR)$(INCDIR)/sparta

clean:
	rm -rf build build-san build-fuzz

FORCE:

-include $(OBJ:.o=.d) $(UNITBIN:=.d)
