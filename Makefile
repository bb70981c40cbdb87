# A newcomer needs nothing but this file: every target installs what it is
# missing from Debian's archive (scripts/deps.sh, quiet when all is there),
# configures meson on first use, and builds.  Steps are quiet when they work
# and show their whole output when they fail (scripts/quietly.sh).
#
#   make            build build/ddactl
#   make survey     survey this host (root gives the full picture)
#   make check      every test: the lint, unit (plain and ASan+UBSan), fuzz smoke,
#                   the real /sys, the Cockpit page in a browser, the QEMU lab
#                   on a real kernel, and the clean room (a fresh Debian 12
#                   runs survey, check-fast and make deb; another installs,
#                   uses and purges the two .debs)
#   make check-lint the source rules (scripts/lint.sh): host paths only
#                   through hostpath, no strcmp of state names, clang-format
#   make deb        build-deb/ddactl_VERSION_ARCH.deb and the Cockpit page's
#                   cockpit-ddactl_VERSION_all.deb (dpkg-buildpackage on a
#                   copy of the tree; DEB_BUILD_OPTIONS=nocheck skips the
#                   unit tests)
#   make check-fast unit tests only (plain and ASan+UBSan); installs only
#                   what they need, not the lab's kernel and QEMU
#   make bench      the benchmarks of docs/PERFORMANCE.md: the survey against
#                   a minimal reader and lspci, then bench-count
#   make bench-count instructions (callgrind) and times of one-device commands
#                   on fake hosts of 17 and 4,096 functions
#   make check-cockpit the Cockpit page (cockpit/) in a real cockpit-ws and
#                   chromium: on the fake host with the kernel model, on a
#                   4,096-function tree, and on this host's /sys, read only
#                   (tests/cockpit/run.sh)
#   make bench-lab  one lab boot: a host -> pool -> host cycle by ddactl, by
#                   the bare sysfs writes and by driverctl (not in make check)

MESON ?= meson
NINJA ?= ninja
# e.g. NINJAFLAGS=-j2 on a shared machine (meson itself reads $NINJA as the
# program to run, so options cannot go there)
NINJAFLAGS ?=
QUIETLY = bash scripts/quietly.sh

.PHONY: all build survey check check-fast check-lint check-unit check-asan check-fuzz \
	check-sys check-lab check-cleanroom check-deps check-deps-unit bench \
	bench-count bench-lab check-cockpit \
	deb install clean

all: build

build:
	@bash scripts/deps.sh build
	@test -f build/build.ninja || $(QUIETLY) $(MESON) setup build
	@$(QUIETLY) $(NINJA) $(NINJAFLAGS) -C build

survey: build
	@./build/ddactl survey

check-deps:
	@bash scripts/deps.sh check

check-deps-unit:
	@bash scripts/deps.sh unit

build-asan/build.ninja:
	@$(QUIETLY) $(MESON) setup build-asan -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug

build-fuzz/build.ninja:
	@CC=clang $(QUIETLY) $(MESON) setup build-fuzz -Dfuzz=true -Db_lundef=false \
		-Dbuildtype=debug

check-unit: build
	$(MESON) test -C build --suite unit --print-errorlogs

check-asan: build-asan/build.ninja
	@$(QUIETLY) $(NINJA) $(NINJAFLAGS) -C build-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(MESON) test -C build-asan --suite unit --print-errorlogs

check-fuzz: build-fuzz/build.ninja
	@$(QUIETLY) $(NINJA) $(NINJAFLAGS) -C build-fuzz
	bash tests/fuzz/run.sh build-fuzz 20

check-sys: build
	bash tests/sys/survey-real.sh ./build/ddactl

check-cockpit: build
	@bash scripts/deps.sh cockpit
	bash tests/cockpit/run.sh build

check-lab: build
	bash tests/lab/check.sh

check-cleanroom:
	bash tests/cleanroom/run.sh .

check-fast: check-deps-unit check-unit check-asan

check-lint:
	@bash scripts/deps.sh lint
	bash scripts/lint.sh

check: check-deps check-lint check-unit check-asan check-fuzz check-sys check-cockpit check-lab \
	check-cleanroom

bench: build
	@bash scripts/deps.sh bench
	bash bench/run.sh
	bash bench/callgrind.sh

bench-count: build
	@bash scripts/deps.sh bench
	bash bench/callgrind.sh

# the lab's kernel and QEMU (check) and driverctl, strace (bench)
bench-lab: build
	@bash scripts/deps.sh check
	@bash scripts/deps.sh bench
	bash bench/lab.sh

install: build
	$(MESON) install -C build

# debian/control's Build-Depends (scripts/deps.sh deb)
deb:
	@bash scripts/deps.sh deb
	@bash scripts/deb.sh

clean:
	rm -rf build build-asan build-fuzz build-deb
