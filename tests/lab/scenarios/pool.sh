#!/bin/bash
# Part 2 on a real kernel: survey verdicts against what the kernel did,
# dismount/mount round trips (single device, switch group, conventional PCI
# behind a bridge, multifunction), host-in-use refusals, bad input, a crash
# at every step repaired by the next run, and the pool back after a reboot.
# lab-topologies: basic
. "$LAB_DIR/lib.sh"

DDACTL=${LAB_BUILD:-$LAB_REPO/build}/ddactl
EXPECT=$LAB_DIR/survey-expect.py
S=/tmp/survey.json

# Devices by identity, not by bus number (see topologies/basic.args).
E1=$(pci_find 8086:10d3 1)		# e1000e on its own root port
NVME=$(pci_find 1b36:0010 1)		# the disk the host mounts
VNET=$(pci_find 1af4:1041 1)		# the NIC the host configures
VBLK=$(pci_find 1af4:1042 1)		# virtio-blk behind a switch port
SW_E=$(pci_find 8086:10d3 2)		# e1000e behind a switch port
PB1=$(pci_find 8086:100e 1)		# e1000 behind the PCIe-to-PCI bridge
PB2=$(pci_find 8086:100e 2)
MF0=$(pci_find 8086:10d3 3)		# multifunction slot: e1000e .0
MF1=${MF0%.0}.1				#                     virtio-rng .1
info "e1000e=$E1 nvme=$NVME vnet=$VNET vblk=$VBLK switch-e1000e=$SW_E e1000=$PB1,$PB2 mf=$MF0,$MF1"

survey() { "$DDACTL" survey --json >"$S"; }
expect() { "$EXPECT" "$S" "$@"; }
drv_is() { [ "$(pci_driver "$1")" = "$2" ]; }
pool_count() { "$DDACTL" pool --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["pool"]))'; }

# A local user who takes every lock they can get on ddactl's files (flock
# and whole-file fcntl read locks, as SQLite's readers take them; byte 120
# of the -shm is one of its WAL locks) and keeps them, with the run and
# state directories open.  What they got is in /tmp/hostile.json.
HOSTILE_FILES="/run/ddactl /run/ddactl/lock /var/lib/ddactl /var/lib/ddactl/ddactl.db /var/lib/ddactl/ddactl.db-wal /var/lib/ddactl/ddactl.db-shm /var/lib/ddactl/snapshot.db"
hostile_start() {
	rm -f /tmp/hostile.json
	setpriv --reuid=65534 --regid=65534 --clear-groups python3 -c '
import fcntl, json, os, sys, time
got, keep = {}, []
for p in sys.argv[2:]:
    try:
        fd = os.open(p, os.O_RDONLY)
    except OSError as e:
        got[p] = "open: " + e.strerror
        continue
    keep.append(fd)
    res = ["open"]
    for name, f in (("flock", lambda: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)),
                    ("fcntl-read-120", lambda: fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, 120)),
                    ("fcntl-read-all", lambda: fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 0, 0))):
        try:
            f()
            res.append(name)
        except OSError as e:
            res.append(name + ": " + e.strerror)
    got[p] = " ".join(res)
try:
    os.symlink("/etc/shadow", "/var/lib/ddactl/snapshot.db.tmp-1")
    got["plant"] = "symlink planted"
except OSError as e:
    got["plant"] = "symlink: " + e.strerror
json.dump(got, open(sys.argv[1] + ".new", "w"))
os.rename(sys.argv[1] + ".new", sys.argv[1])
time.sleep(3600)
' /tmp/hostile.json $HOSTILE_FILES &
	HOSTILE=$!
	wait_for 120 test -s /tmp/hostile.json
	info "a local user holds: $(cat /tmp/hostile.json)"
}
hostile_stop() { kill "$HOSTILE"; wait "$HOSTILE" 2>/dev/null; }
# None of root's own files could even be opened by them.
hostile_got_nothing() {
	python3 -c '
import json, sys
g = json.load(open("/tmp/hostile.json"))
for p in ("/run/ddactl/lock", "/var/lib/ddactl/ddactl.db", "/var/lib/ddactl/ddactl.db-wal", "/var/lib/ddactl/ddactl.db-shm"):
    assert g.get(p, "open: missing?").startswith("open: "), (p, g.get(p))
assert g["plant"].startswith("symlink: "), g["plant"]
'
}

if [ "$LAB_BOOT" = 1 ]; then
	step "host use"
	mkdir -p /mnt/disk0
	DISK=$(blk_by_serial lab-nvme-disk0)
	check "mount the nvme disk ($DISK)" mount "/dev/$DISK" /mnt/disk0
	IF=$(nic_by_mac 52:54:00:1a:b0:03)
	check "configure $IF with an address" sh -c "ip addr add 192.0.2.10/24 dev $IF && ip link set $IF up"

	step "survey matches the kernel"
	check "survey --json is valid JSON" sh -c "'$DDACTL' survey --json >'$S' && python3 -m json.tool '$S' >/dev/null"
	check "text survey runs" sh -c "'$DDACTL' survey >/tmp/survey.txt"
	info "$(grep -c . /tmp/survey.txt) lines of text survey"
	info "$(grep -E ' (9p|overlay) ' /proc/self/mountinfo)"
	check "host section: IOMMU on, ready" python3 -c "import json; h=json.load(open('$S'))['host']; assert h['iommu']['enabled'] and h['ready'] and h['interrupt_remapping']['enabled'], h"
	for d in $(pci_functions); do
		check "group of $d is the kernel's ($(pci_group $d))" expect "$d" "group=$(pci_group $d)"
		rm=$(tr ' ' ',' </sys/bus/pci/devices/$d/reset_method 2>/dev/null || true)
		check "reset methods of $d are the kernel's (${rm:-none})" expect "$d" "reset=$rm"
		check "driver of $d is the kernel's" expect "$d" "driver=$(pci_driver $d)"
	done
	check "e1000e $E1: assignable, pm+bus reset, MSI" expect "$E1" verdict=assignable type=endpoint not=group-shared msi=true
	check "nvme $NVME: host-in-use names /mnt/disk0" expect "$NVME" verdict=not-assignable "msg:host-in-use~/mnt/disk0"
	check "virtio-net $VNET: host-in-use names $IF" expect "$VNET" verdict=not-assignable "msg:host-in-use~$IF"
	check "9p root 00:10.0: host-in-use" expect 00:10.0 verdict=not-assignable "msg:host-in-use~9p"
	check "virtio-blk $VBLK shares its group with the switch port" expect "$VBLK" "member=$(basename $(readlink -f /sys/bus/pci/devices/$VBLK/..))" not=group-shared verdict=assignable
	check "e1000 $PB1: INTx only, legacy, group shared behind the bridge" expect "$PB1" has=intx-only has=legacy-pci "explain:group-shared~PCIe-to-PCI bridge" intx=true msi=false
	check "e1000 $PB1: its listed bus reset is refused while $PB2 shares the bus" expect "$PB1" sev:no-reset=force "msg:no-reset~$PB2"
	check "e1000 $PB2: no reset method (force)" expect "$PB2" sev:no-reset=force verdict=assignable-with-force
	check "multifunction $MF0: group shared with $MF1, explained" expect "$MF0" "member=$MF1" "explain:group-shared~multifunction"
	check "ICH9 SATA 00:1f.2: relaxable RMRR, platform bridge in group" expect 00:1f.2 has=reserved-memory-relaxable has=group-host-in-use verdict=not-assignable
	check "root port 00:02.0 is a bridge" expect 00:02.0 has=bridge type=root-port
	check "location path round trip" sh -c "lp=\$('$DDACTL' survey --json $E1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"devices\"][0][\"location_path\"])'); '$DDACTL' survey --json \"\$lp\" | grep -q '\"address\": \"$E1\"'"

	step "bad input"
	expect_out "unknown device: exit 2" "no PCI function" sh -c "'$DDACTL' dismount 0000:7f:1f.7; test \$? = 2"
	expect_out "garbage device name: exit 2" "neither a PCI address" sh -c "'$DDACTL' dismount nonsense; test \$? = 2"
	expect_fail_out "a bridge is refused" "bridge" "$DDACTL" dismount 00:02.0
	expect_fail_out "mount of a device not in the pool" "not in the pool" "$DDACTL" mount "$E1"
	expect_fail_out "non-root is told to use root" "must run as root" setpriv --reuid=65534 --regid=65534 --clear-groups "$DDACTL" dismount "$E1"
	expect_out "non-root dry run works" "would dismount" setpriv --reuid=65534 --regid=65534 --clear-groups "$DDACTL" dismount --dry-run "$E1"

	step "host-in-use refusals"
	expect_fail_out "mounted disk refused, names the mount point" "/mnt/disk0" "$DDACTL" dismount "$NVME"
	check "the disk is still on nvme" drv_is "$NVME" nvme
	expect_fail_out "configured NIC refused, names $IF" "$IF" "$DDACTL" dismount "$VNET"
	check "the NIC is still on virtio-pci" drv_is "$VNET" virtio-pci
	umount /mnt/disk0
	check "mount the nvme disk on /boot" mount "/dev/$DISK" /boot
	expect_fail_out "--force does not take the /boot disk" "not even with --force" "$DDACTL" dismount --force "$NVME"
	check "the /boot disk is still on nvme" drv_is "$NVME" nvme
	umount /boot
	expect_fail_out "the lab's 9p root is refused" "9p" "$DDACTL" dismount 00:10.0

	step "dismount and mount: one device"
	expect_out "dry run prints the plan" "would dismount" "$DDACTL" dismount --dry-run "$E1"
	check "dry run changed nothing" drv_is "$E1" e1000e
	check "dismount $E1" "$DDACTL" dismount "$E1"
	check "$E1 is on vfio-pci" drv_is "$E1" vfio-pci
	expect_out "pool lists it with its original driver" "e1000e" "$DDACTL" pool
	check "pool --json has it" sh -c "'$DDACTL' pool --json | grep -q '\"original_driver\": \"e1000e\"'"
	expect_fail_out "a second dismount says it is already pooled" "already in the pool" "$DDACTL" dismount "$E1"
	check "survey says in-pool" sh -c "survey() { '$DDACTL' survey --json >'$S'; }; survey && '$EXPECT' '$S' '$E1' has=in-pool"
	check "mount $E1" "$DDACTL" mount "$E1"
	check "$E1 is back on e1000e" drv_is "$E1" e1000e
	check "its driver_override is cleared" sh -c "grep -qx '(null)' /sys/bus/pci/devices/$E1/driver_override"
	check "pool is empty" test "$(pool_count)" = 0

	step "dismount and mount: groups"
	check "switch group: dismount $SW_E" "$DDACTL" dismount "$SW_E"
	check "$SW_E on vfio-pci, its downstream port untouched" sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$SW_E/driver)) = vfio-pci ] && [ \$(basename \$(readlink /sys/bus/pci/devices/$SW_E/../driver)) = pcieport ]"
	check "mount $SW_E" "$DDACTL" mount "$SW_E"
	check "$SW_E back on e1000e" drv_is "$SW_E" e1000e
	expect_fail_out "conventional group needs --force (no reset on $PB2)" "without --force" "$DDACTL" dismount "$PB1"
	check "nothing moved" drv_is "$PB1" e1000
	expect_out "dismount --force $PB1 takes $PB2 as companion" "companion of $PB1" "$DDACTL" dismount --force "$PB1"
	check "$PB1 and $PB2 on vfio-pci" sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$PB1/driver)) = vfio-pci ] && [ \$(basename \$(readlink /sys/bus/pci/devices/$PB2/driver)) = vfio-pci ]"
	expect_out "pool records the force, by whom and why" "forced by root.*no-reset" "$DDACTL" pool
	check "mount $PB2 gives back the whole group" "$DDACTL" mount "$PB2"
	check "$PB1 and $PB2 back on e1000" sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$PB1/driver)) = e1000 ] && [ \$(basename \$(readlink /sys/bus/pci/devices/$PB2/driver)) = e1000 ]"
	check "multifunction: dismount $MF0" "$DDACTL" dismount "$MF0"
	check "$MF1 went with it" drv_is "$MF1" vfio-pci
	check "mount $MF0" "$DDACTL" mount "$MF0"
	check "$MF0 back on e1000e, $MF1 on virtio-pci" sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$MF0/driver)) = e1000e ] && [ \$(basename \$(readlink /sys/bus/pci/devices/$MF1/driver)) = virtio-pci ]"

	step "crash at every step, repaired by the next run"
	for f in dismount:recorded dismount:override dismount:unbound dismount:bound; do
		check "crash at $f kills ddactl" sh -c "DDACTL_FAULT=$f '$DDACTL' dismount '$MF0'; test \$? = 137"
		expect_out "next run repairs the $f crash" "repaired an interrupted dismount" "$DDACTL" pool
		check "after $f: $MF0 on e1000e, $MF1 on virtio-pci, pool empty" sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$MF0/driver)) = e1000e ] && [ \$(basename \$(readlink /sys/bus/pci/devices/$MF1/driver)) = virtio-pci ] && [ \$('$DDACTL' pool --json | grep -c address) = 0 ]"
	done
	for f in mount:recorded mount:reset mount:override-cleared mount:bound; do
		check "dismount $MF0 before the $f crash" "$DDACTL" dismount "$MF0"
		check "crash at $f kills ddactl" sh -c "DDACTL_FAULT=$f '$DDACTL' mount '$MF0'; test \$? = 137"
		expect_out "next run repairs the $f crash" "repaired an interrupted mount" "$DDACTL" survey
		check "after $f: both back on their drivers, pool empty" sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$MF0/driver)) = e1000e ] && [ \$(basename \$(readlink /sys/bus/pci/devices/$MF1/driver)) = virtio-pci ] && [ \$('$DDACTL' pool --json | grep -c address) = 0 ]"
	done

	step "one writer at a time"
	check "a held lock makes the next ddactl wait, then name the holder" sh -c "
		mkdir -p /run/ddactl; exec 9>/run/ddactl/lock; flock 9; echo 'pid 1, test holder' >&9
		out=\$(DDACTL_LOCK_TIMEOUT=1 '$DDACTL' dismount '$E1' 2>&1); rc=\$?
		echo \"\$out\"; [ \$rc = 1 ] && echo \"\$out\" | grep -q 'test holder'"

	step "a local user cannot block root"
	# (the lab's state dir is 9p: a rollback journal there, so no -wal or -shm)
	check "state and run files are root's alone" sh -c "for f in /run/ddactl/lock /var/lib/ddactl/ddactl.db /var/lib/ddactl/ddactl.db-wal /var/lib/ddactl/ddactl.db-shm /var/lib/ddactl/ddactl.db-journal; do [ ! -e \$f ] && [ \$f != /run/ddactl/lock ] && [ \$f != /var/lib/ddactl/ddactl.db ] && continue; [ \$(stat -c %a:%U \$f) = 600:root ] || { echo \$f: \$(stat -c %a:%U \$f); exit 1; }; done; [ \$(stat -c %U /var/lib/ddactl) = root ]"
	hostile_start
	check "the local user could open none of root's files, nor plant a link" hostile_got_nothing
	check "dismount $E1 while they hold their locks" env DDACTL_LOCK_TIMEOUT=5 "$DDACTL" dismount "$E1"
	check "the kernel has $E1 on vfio-pci" drv_is "$E1" vfio-pci
	check "non-root reads the pool from the snapshot: $E1, as the kernel has it" sh -c "setpriv --reuid=65534 --regid=65534 --clear-groups '$DDACTL' pool --json | python3 -c 'import json,sys; assert [d[\"address\"] for d in json.load(sys.stdin)[\"pool\"]] == [\"$E1\"]'"
	check "vm stop --all while they hold their locks" env DDACTL_LOCK_TIMEOUT=5 "$DDACTL" vm stop --all
	check "pool restore while they hold their locks" env DDACTL_LOCK_TIMEOUT=5 "$DDACTL" pool restore
	check "$E1 still on vfio-pci after restore" drv_is "$E1" vfio-pci
	check "mount $E1 while they hold their locks" env DDACTL_LOCK_TIMEOUT=5 "$DDACTL" mount "$E1"
	check "the kernel has $E1 back on e1000e" drv_is "$E1" e1000e
	hostile_stop
	check "pool is empty" test "$(pool_count)" = 0

	step "a session, for the README"
	show() { echo "LAB SHOW # $*"; "$@" 2>&1 | sed 's/^/LAB SHOW /'; }
	mount "/dev/$DISK" /mnt/disk0
	show "$DDACTL" survey "$E1" "$PB2" "$NVME"
	show "$DDACTL" dismount --dry-run "$MF0"
	show "$DDACTL" dismount "$MF0"
	show "$DDACTL" pool
	show "$DDACTL" dismount "$NVME"
	show "$DDACTL" mount "$MF0"
	umount /mnt/disk0
	check "the session left the pool empty" test "$(pool_count)" = 0

	step "the pool survives a reboot"
	check "dismount $E1 and $MF0 for the reboot" "$DDACTL" dismount "$E1" "$MF0"
	check "pool has 3 devices" test "$(pool_count)" = 3
	lab_reboot
fi

if [ "$LAB_BOOT" = 2 ]; then
	step "after the reboot"
	check "pool still has 3 devices" test "$(pool_count)" = 3
	if [ -f /etc/udev/rules.d/60-ddactl.rules ]; then
		check "udev put $E1 on vfio-pci at boot" drv_is "$E1" vfio-pci
		check "udev put $MF0 on vfio-pci at boot" drv_is "$MF0" vfio-pci
		check "udev put $MF1 on vfio-pci at boot" drv_is "$MF1" vfio-pci
	else
		skip "udev rule at boot" "the lab host has no udev rules installed"
	fi
	hostile_start
	check "after boot the local user could open none of root's files" hostile_got_nothing
	check "pool restore (the systemd unit's job) runs while a local user holds every lock they can" env DDACTL_LOCK_TIMEOUT=5 "$DDACTL" pool restore
	for d in "$E1" "$MF0" "$MF1"; do
		check "$d on vfio-pci after restore" drv_is "$d" vfio-pci
	done
	check "other e1000e untouched" drv_is "$SW_E" e1000e
	hostile_stop
	check "mount all three" "$DDACTL" mount "$E1" "$MF0"
	check "$E1 back on e1000e" drv_is "$E1" e1000e
	check "$MF0 back on e1000e" drv_is "$MF0" e1000e
	check "$MF1 back on virtio-pci" drv_is "$MF1" virtio-pci
	check "pool is empty" test "$(pool_count)" = 0
fi
lab_done
