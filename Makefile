# A newcomer needs nothing but this file: every target installs what it is
# missing from Debian's archive (scripts/deps.sh, quiet when all is there),
# configures meson on first use, and builds.
#
#   make            build build/ddactl
#   make survey     survey this host (root gives the full picture)
#   make check      every test: unit (plain and ASan+UBSan), fuzz smoke,
#                   the real /sys, and the QEMU lab on a real kernel
#   make check-fast unit tests only
#   make bench      the survey benchmark (docs/PERFORMANCE.md)

MESON ?= meson
NINJA ?= ninja

.PHONY: all build survey check check-fast check-unit check-asan check-fuzz \
	check-sys check-lab bench install clean

all: build

build:
	@bash scripts/deps.sh build
	@test -f build/build.ninja || $(MESON) setup build >/dev/null
	@$(NINJA) -C build >/dev/null

survey: build
	@./build/ddactl survey

check-deps:
	@bash scripts/deps.sh check

build-asan/build.ninja:
	$(MESON) setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug >/dev/null

build-fuzz/build.ninja:
	CC=clang $(MESON) setup build-fuzz -Dfuzz=true -Db_lundef=false -Dbuildtype=debug >/dev/null

check-unit: build
	$(MESON) test -C build --suite unit --print-errorlogs

check-asan: build-asan/build.ninja
	@$(NINJA) -C build-asan >/dev/null
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(MESON) test -C build-asan --suite unit --print-errorlogs

check-fuzz: build-fuzz/build.ninja
	@$(NINJA) -C build-fuzz >/dev/null
	bash tests/fuzz/run.sh build-fuzz 20

check-sys: build
	bash tests/sys/survey-real.sh ./build/ddactl

check-lab: build
	bash tests/lab/check.sh

check-fast: check-deps check-unit check-asan

check: check-deps check-unit check-asan check-fuzz check-sys check-lab

bench: build
	@bash scripts/deps.sh bench
	bash bench/run.sh

install: build
	$(MESON) install -C build

clean:
	rm -rf build build-asan build-fuzz
