#!/bin/bash
# Benchmark, not a test (make bench-lab, bench/lab.sh): in one boot, how long
# a host -> pool -> host cycle of one e1000e takes by ddactl, by the bare
# sysfs sequence and by driverctl, each the median of lab.bench_runs (5) timed
# cycles after one untimed warm-up (the first run of each pays for reading
# its programs over 9p).  After every half cycle the kernel's own view
# (the driver link in sysfs) must show the device where the tool put it;
# a cycle that does not is a LAB FAIL and is not counted.  Then `ddactl
# pool` (empty pool) and `ddactl survey DEVICE`, and where one ddactl
# dismount and one mount spend their time (strace, bench/strace-phases.py).
# Results are "LAB INFO bench ..." lines; bench/lab.sh prints them as tables;
# the two traces are kept in the state share (strace.dismount, strace.mount).
# lab-topologies: none
# lab-timeout: 900
. "$LAB_DIR/lib.sh"

DDACTL=${LAB_BUILD:-$LAB_REPO/build}/ddactl
PHASES=$LAB_REPO/bench/strace-phases.py
RUNS=${LAB_BENCH_RUNS:-5}
DEV=$(pci_find 8086:10d3 1)		# e1000e on its own root port, group of one
HOME_DRV=e1000e
SYS=/sys/bus/pci/devices/$DEV

out() { echo "LAB INFO bench $*"; }

now_us() { echo "${EPOCHREALTIME/./}"; }

# median of the numbers given, in ms with one decimal (they are in µs)
median_ms() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f", m / 1000 }'
}

on() { [ "$(pci_driver "$DEV")" = "$1" ]; }

# --- the three ways to move the device; each half is one function -------

ddactl_to() { "$DDACTL" dismount "$DEV" >/dev/null; }
ddactl_back() { "$DDACTL" mount "$DEV" >/dev/null; }

# The same with the state on a local file system, as a real host's
# /var/lib is: the lab's own state directory is a 9p share (so that it
# survives lab_reboot), where SQLite keeps a rollback journal and every
# sync is a round trip to the host.  ext4 on a loop device over the
# guest's RAM journals and syncs for real, without a disk's latency.
LOCAL_STATE=/run/ddactl-bench-state
ddactl_local_to() { DDACTL_STATE_DIR=$LOCAL_STATE "$DDACTL" dismount "$DEV" >/dev/null; }
ddactl_local_back() { DDACTL_STATE_DIR=$LOCAL_STATE "$DDACTL" mount "$DEV" >/dev/null; }

# The least the kernel needs: the writes ddactl and driverctl wrap, made by
# the shell itself (echo is a builtin: no process is started).
bare_to() {
	echo vfio-pci >"$SYS/driver_override" &&
		{ [ ! -L "$SYS/driver" ] || echo "$DEV" >"$SYS/driver/unbind"; } &&
		echo "$DEV" >/sys/bus/pci/drivers_probe
}
bare_back() {
	echo >"$SYS/driver_override" &&
		{ [ ! -L "$SYS/driver" ] || echo "$DEV" >"$SYS/driver/unbind"; } &&
		echo "$DEV" >/sys/bus/pci/drivers_probe
}

driverctl_to() { driverctl set-override "$DEV" vfio-pci >/dev/null; }
driverctl_back() { driverctl unset-override "$DEV" >/dev/null; }

# cycle TOOL N: N timed cycles (after one warm-up); sets CYC, TO, BACK
# (lists of µs) and reports failed cycles.
cycle() {
	local tool=$1 n=$2 i t0 t1 t2 t3 bad=0
	CYC=() TO=() BACK=()
	for ((i = 0; i <= n; i++)); do
		t0=$(now_us)
		"${tool}_to" || { _lab_fail "$tool: to vfio-pci, cycle $i" "exit $?" ""; bad=$((bad + 1)); continue; }
		t1=$(now_us)
		if ! on vfio-pci; then
			_lab_fail "$tool: on vfio-pci after cycle $i's first half" "driver: $(pci_driver "$DEV")" ""
			bad=$((bad + 1))
			bare_back
			continue
		fi
		t2=$(now_us)
		"${tool}_back" || { _lab_fail "$tool: back to $HOME_DRV, cycle $i" "exit $?" ""; bad=$((bad + 1)); continue; }
		t3=$(now_us)
		if ! on "$HOME_DRV"; then
			_lab_fail "$tool: on $HOME_DRV after cycle $i" "driver: $(pci_driver "$DEV")" ""
			bad=$((bad + 1))
			continue
		fi
		((i > 0)) || continue	# the warm-up
		TO+=($((t1 - t0)))
		BACK+=($((t3 - t2)))
		CYC+=($((t1 - t0 + t3 - t2)))
	done
	((bad)) || _lab_pass "$tool: $n cycles, the kernel shows $DEV on vfio-pci and back on $HOME_DRV after each"
}

# time_cmd N CMD...: N timed runs after a warm-up; sets RUN (µs each)
time_cmd() {
	local n=$1 i t0 t1
	shift
	RUN=()
	"$@" >/dev/null 2>&1
	for ((i = 0; i < n; i++)); do
		t0=$(now_us)
		"$@" >/dev/null 2>&1 || { _lab_fail "$* exits 0" "exit $?" ""; return 1; }
		t1=$(now_us)
		RUN+=($((t1 - t0)))
	done
}

step "set-up"
info "device $DEV ($(cat "$SYS/vendor"):$(cat "$SYS/device")), driver $(pci_driver "$DEV"), group $(pci_group "$DEV"), reset_method $(cat "$SYS/reset_method" 2>/dev/null || echo none)"
on "$HOME_DRV" || { _lab_fail "$DEV starts on $HOME_DRV" "driver: $(pci_driver "$DEV")" ""; lab_done; }
# vfio-pci is loaded once for all three, so no cycle pays for loading it
check "vfio-pci loads" modprobe vfio-pci
have_driverctl=1
command -v driverctl >/dev/null || { have_driverctl=; skip "driverctl" "not installed on the host (scripts/deps.sh bench installs it)"; }
have_local=1
if ! { modprobe loop 2>/dev/null; truncate -s 64M /tmp/state.img && mkfs.ext4 -q /tmp/state.img &&
	mkdir -p "$LOCAL_STATE" && mount -o loop /tmp/state.img "$LOCAL_STATE"; }; then
	have_local=
	skip "ddactl, state on ext4" "cannot make an ext4 file system on a loop device here"
fi
have_strace=1
command -v strace >/dev/null || { have_strace=; skip "phases" "strace not installed on the host"; }
out "meta kernel=$(uname -r) ddactl=$("$DDACTL" --version 2>&1 | head -n1 | tr ' ' '_') runs=$RUNS device=$DEV state=$(awk '$2 == "/var/lib/ddactl" { t = $3 } END { print t }' /proc/mounts)"

step "cycles"
tools=(bare ddactl)
[ -z "$have_local" ] || tools+=(ddactl_local)
[ -z "$have_driverctl" ] || tools+=(driverctl)
for tool in "${tools[@]}"; do
	cycle "$tool" "$RUNS"
	out "cycle $tool $(median_ms "${CYC[@]}") $(median_ms "${TO[@]}") $(median_ms "${BACK[@]}") ${#CYC[@]} ${CYC[*]}"
done

step "one-device commands"
if time_cmd "$RUNS" "$DDACTL" pool; then
	expect_out "the pool is empty" 'pool is empty' "$DDACTL" pool
	out "cmd pool $(median_ms "${RUN[@]}") ${RUN[*]}"
fi
if time_cmd "$RUNS" "$DDACTL" survey "$DEV"; then
	out "cmd survey-device $(median_ms "${RUN[@]}") ${RUN[*]}"
fi
if time_cmd "$RUNS" "$DDACTL" survey; then
	out "cmd survey $(median_ms "${RUN[@]}") ${RUN[*]}"
fi
if time_cmd "$RUNS" "$DDACTL" dismount --dry-run "$DEV"; then
	out "cmd dismount-dry-run $(median_ms "${RUN[@]}") ${RUN[*]}"
fi
if check "dismount for mount --dry-run" "$DDACTL" dismount "$DEV" && time_cmd "$RUNS" "$DDACTL" mount --dry-run "$DEV"; then
	out "cmd mount-dry-run $(median_ms "${RUN[@]}") ${RUN[*]}"
fi
check "mount after mount --dry-run" "$DDACTL" mount "$DEV"
# What no change to ddactl's work removes: starting any program here (bash
# forks, the loader maps libc), and starting ddactl with its libraries.
# With the dry runs they split a run's time (bench/lab.sh).
if time_cmd "$RUNS" /bin/true; then
	out "cmd true $(median_ms "${RUN[@]}") ${RUN[*]}"
fi
if time_cmd "$RUNS" "$DDACTL" --version; then
	out "cmd version $(median_ms "${RUN[@]}") ${RUN[*]}"
fi

step "phases"
if [ -n "$have_strace" ]; then
	for half in dismount mount; do
		if strace -f -ttt -T -y -o "/tmp/strace.$half" "$DDACTL" "$half" "$DEV" >/dev/null 2>"/tmp/strace.$half.err"; then
			_lab_pass "ddactl $half under strace"
		else
			_lab_fail "ddactl $half under strace" "exit $?" "$(cat "/tmp/strace.$half.err")"
		fi
		python3 "$PHASES" --tsv "/tmp/strace.$half" | while IFS=$'\t' read -r phase ms pct calls; do
			out "phase $half ${phase// /_} $ms $pct $calls"
		done
		# the kernel's part: each host-changing write and how long it took
		grep -E '^[0-9]+ +[0-9.]+ (write|pwrite64)\([0-9]+</sys/[^>]*/(driver_override|unbind|bind|drivers_probe|new_id|remove_id|reset)>' "/tmp/strace.$half" |
			sed -E 's/^[0-9]+ +[0-9.]+ [a-z0-9]+\([0-9]+<\/sys\/[^>]*\/([a-z_]+)>, "([^"]*)".*<([0-9.]+)>$/\1|\2|\3/' |
			while IFS='|' read -r file val secs; do
				out "write $half $file ${val:-(empty)} $(awk -v s="$secs" 'BEGIN { printf "%.1f", s * 1000 }')"
			done
	done
	check "$DEV is back on $HOME_DRV" on "$HOME_DRV"
	# for reading on the host afterwards: the state share is the only
	# place the guest can write to (tests/lab/out/run/bench.basic/state/)
	cp /tmp/strace.dismount /tmp/strace.mount /var/lib/ddactl/ 2>/dev/null || true
fi
lab_done
