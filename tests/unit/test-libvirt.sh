#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# ddactl libvirt-hook and ddactl libvirt on the kernel model: every refusal
# of the hook's prepare, each with a domain XML against mkfixture's tree,
# checked against the fake sysfs (no driver link moved), not only against
# ddactl's words; started and release record and clear the owner, and
# return-to-host really moves the driver link back; the one owner across
# ddactl VMs and libvirt domains; and attach/detach as far as libvirt's
# test driver goes (it has no hostdev attach in libvirt 9.0: every check
# comes before the call, and the call's own failure records nothing).
#
#   test-libvirt.sh DDACTL MKFIXTURE   (KMODEL in the environment, as root)
# shellcheck source=cli-lib.sh
. "$(dirname "$0")/cli-lib.sh"

if [ -z "${KMODEL:-}" ] || [ "$(id -u)" -ne 0 ]; then
	echo "ok 1 - libvirt hook on the kernel model # SKIP needs root and KMODEL"
	echo "1..1"
	exit 0
fi
export DDACTL_ROOT=$root
sys=$root/sys/bus/pci/devices
driver() { basename "$(readlink "$sys/$1/driver")"; }
# every function's driver, one line each: what "nothing moved" compares
links() { for d in "$sys"/*; do echo "${d##*/} $(basename "$(readlink "$d/driver" 2>/dev/null)")"; done; }

# dom NAME MANAGED ADDRESS...: a domain XML with a PCI hostdev for each
dom() {
	local name=$1 managed=$2 a d b s f i=0
	shift 2
	echo "<domain type='kvm'><name>$name</name><memory unit='KiB'>1048576</memory><devices>"
	echo "<disk type='file' device='disk'><source file='/var/lib/libvirt/images/$name.qcow2'/></disk>"
	for a in "$@"; do
		IFS=':.' read -r d b s f <<<"$a"
		echo "<hostdev mode='subsystem' type='pci' managed='$managed'><driver name='vfio'/>"
		echo "<source><address domain='0x$d' bus='0x$b' slot='0x$s' function='0x$f'/></source>"
		echo "<alias name='hostdev$i'/></hostdev>"
		i=$((i + 1))
	done
	echo "</devices></domain>"
}
# hook NAME OP SUBOP XML-ARGS...: runs the hook as libvirt does, the XML on stdin
hook() {
	local name=$1 op=$2 sub=$3
	shift 3
	dom "$name" "$@" >"$tmp/dom.xml"
	LD_PRELOAD=$KMODEL "$ddactl" libvirt-hook "$name" "$op" "$sub" - <"$tmp/dom.xml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}
km() { LD_PRELOAD=$KMODEL run "$@"; }
# refused DESC WORDS... : the last hook exited 1, its one line names the
# device and says each of WORDS, and no driver link moved
refused() {
	local desc=$1 w
	shift
	check "$desc: exit 1" is "$rc" 1
	check "$desc: one line" is "$(printf '%s\n' "$err" | wc -l)" 1
	for w in "$@"; do check "$desc: says '$w'" has "$err" "$w"; done
	check "$desc: nothing moved" is "$(links)" "$before"
}

nic=0000:05:00.0 nvme=0000:02:00.0 port=0000:00:01.0 smbus=0000:00:1f.4 rtl=0000:04:00.0 snd=0000:04:01.0

# ------------------------------------------------------------ doing nothing
hook d1 migrate begin no $nic
check "an operation it does not handle: exit 0" is "$rc" 0
check "and says nothing" is "$out$err" ""
check "and creates no state" test ! -e "$root/state/ddactl.db"
hook d1 prepare begin no
check "a domain without PCI hostdevs starts" is "$rc" 0
check "without a word" is "$out$err" ""
printf 'not xml' | "$ddactl" libvirt-hook d1 prepare begin - >/dev/null 2>"$tmp/err"
check "a broken domain XML refuses the start" is "$?" 2
check "naming the domain" has "$(cat "$tmp/err")" "d1: not a libvirt domain XML document"
# libvirtd kills a domain whose reconnect hook fails: a running guest is
# never killed for what ddactl could not read or record
printf 'not xml' | "$ddactl" libvirt-hook d1 reconnect begin - >/dev/null 2>"$tmp/err"
check "a broken XML at reconnect leaves the running domain alone: exit 0" is "$?" 0
check "... saying so" has "$(cat "$tmp/err")" "the running domain is left alone"

# ------------------------------------------------------------ refusals
# 04:01.0 shares IOMMU group 9 with 04:00.0; a host driver on it makes the
# group unusable for vfio (the kernel's viability rule)
mkdir -p "$root/sys/bus/pci/drivers/snd_emu10k1"
ln -s ../../../../../bus/pci/drivers/snd_emu10k1 "$root/sys/devices/pci0000:00/0000:00:1c.0/0000:03:00.0/$snd/driver"
before=$(links)

hook d1 prepare begin no $port
refused "a bridge" "refusing to start d1: '$port'" "root-port" "assign the devices behind it"
hook d1 prepare begin yes $nvme
refused "the host's disk" "refusing to start d1: '$nvme': the host is using" "mounted on /" "never be taken"
hook d1 prepare begin yes $smbus
refused "a group with a platform bridge" "refusing to start d1: '$smbus' shares IOMMU group 11" "platform bridge '0000:00:1f.0'" "not assignable on this platform"
hook d1 prepare begin yes $rtl
refused "an unviable group" "'$rtl' shares IOMMU group 9 with '$snd' on driver snd_emu10k1" "ddactl dismount $rtl"
# ... but the whole group given managed='yes', as a GPU with its HDMI
# audio function is: libvirt binds both, so the group is viable
hook d1 prepare begin yes $rtl $snd
check "a whole group given managed='yes' starts" is "$rc:$err" "0:"
check "... and the hook moved nothing (libvirt binds them)" is "$(links)" "$before"
hook d1 prepare begin no $nic
refused "managed='no' on a host driver" "'$nic' is on driver igb" "managed='no'" "ddactl dismount $nic"
# a VF given as a NIC, as Nova's SR-IOV ports are
cat >"$tmp/vfnic.xml" <<EOF
<domain type='kvm'><name>d1</name><devices>
<interface type='hostdev' managed='no'><mac address='52:54:00:6d:90:02'/>
<source><address type='pci' domain='0x0000' bus='0x01' slot='0x10' function='0x1'/></source></interface>
</devices></domain>
EOF
LD_PRELOAD=$KMODEL "$ddactl" libvirt-hook d1 prepare begin - <"$tmp/vfnic.xml" >"$tmp/out" 2>"$tmp/err"
rc=$? err=$(cat "$tmp/err")
refused "a VF as <interface type='hostdev'>" "refusing to start d1: '0000:01:10.1' is on driver iavf"
hook d1 prepare begin yes 0000:42:00.0
refused "an address the host has not" "'0000:42:00.0' is no PCI function of this host"
km libvirt policy d1 --require-pool
check "policy --require-pool" is "$rc" 0
hook d1 prepare begin yes $nic
refused "--require-pool, not pooled" "'$nic' is not in ddactl's pool" "ddactl libvirt policy d1 --no-require-pool"
km libvirt policy d1 --no-require-pool --json
check "policy --no-require-pool" jsonq "d == {'domain': 'd1', 'return_to_host': False, 'require_pool': False, 'dismount_managed': False, 'stored': True}"
hook d1 prepare begin yes $smbus $port $nvme
check "three bad hostdevs: exit 1" is "$rc" 1
check "three bad hostdevs: a line each" is "$(printf '%s\n' "$err" | wc -l)" 3
check "three bad hostdevs: nothing moved" is "$(links)" "$before"
km log --json
check "each refusal is in the audit log" jsonq "sum(1 for e in d['log'] if e['operation'] == 'libvirt start' and e['outcome'] == 'failed') >= 9"

# ------------------------------------------------------------ the pooled NIC
km dismount $nic
check "dismount of the NIC" is "$(driver $nic)" vfio-pci
hook d1 prepare begin no $nic
check "a pooled device starts" is "$rc" 0
hook d1 started begin no $nic
check "started: exit 0" is "$rc" 0
km pool --json
check "pool --json: owner libvirt:d1" jsonq "[e['owner'] for e in d['pool'] if e['address'] == '$nic'] == ['libvirt:d1']"
check "pool --json: held by no ddactl VM" jsonq "[e['vm'] for e in d['pool'] if e['address'] == '$nic'] == [None]"
km pool
check "pool: held by libvirt:d1" has "$out" "held by libvirt:d1"
km metrics
check "metrics: assigned, to libvirt:d1" has "$out" "ddactl_pool_device{address=\"$nic\",location_path=\"PCIROOT(0)#PCI(0102)#PCI(0000)\",state=\"assigned\",vm=\"libvirt:d1\"} 1"
hook d1 reconnect begin no $nic
check "reconnect (libvirtd restarted): exit 0" is "$rc" 0
check "reconnect: nothing new to record" is "$out" ""

before=$(links)
hook d2 prepare begin no $nic
refused "held by another domain" "refusing to start d2: '$nic' is held by libvirt domain 'd1'" "virsh detach-device d1"
km vm create v1
km vm add-device v1 $nic
check "vm add-device of a libvirt domain's device: exit 1" is "$rc" 1
check "vm add-device: names the domain" has "$err" "is held by libvirt domain 'd1'"
check "vm add-device: says the fix" has "$err" "'ddactl libvirt detach d1 $nic'"
km vm add-device v1 --any 8086:1533
check "vm add-device --any passes a libvirt domain's device by" has "$err" "no free device 8086:1533 in the pool"
km export kubevirt
check "export leaves a libvirt domain's device out" has "$err" "is held by libvirt:d1"
before=$(links)
km mount $nic
check "mount of a libvirt domain's device: refused" has "$err" "refusing to mount '$nic': it is held by libvirt domain 'd1'"
check "mount refused: nothing moved" is "$(links)" "$before"

hook d1 release end no $nic
check "release: exit 0" is "$rc" 0
check "release: said" has "$out" "'$nic' released by libvirt:d1"
hook d1 stopped end no $nic
check "stopped after release: exit 0 (idempotent)" is "$rc" 0
check "stopped after release: nothing to do" is "$out" ""
km pool --json
check "released: nobody's" jsonq "[e['owner'] for e in d['pool'] if e['address'] == '$nic'] == [None]"
check "released: still pooled (keep)" is "$(driver $nic)" vfio-pci

km vm add-device v1 $nic
check "vm add-device once released" is "$rc" 0
before=$(links)
hook d1 prepare begin no $nic
refused "held by a ddactl VM" "'$nic' is held by ddactl VM 'v1'" "ddactl vm remove-device v1 $nic"
km pool --json
check "pool --json: the VM as owner" jsonq "[e['owner'] for e in d['pool'] if e['address'] == '$nic'] == ['v1']"
km vm remove-device v1 $nic

# quarantined, as a reset that left it silent records it
python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute(sys.argv[2]); db.commit()' \
	"$root/state/ddactl.db" "UPDATE pool_device SET quarantined_at = '2026-12-02T04:10:00Z',
	  quarantine_reason = 'did not answer after the reset at dismount' WHERE address = '$nic'"
hook d1 prepare begin no $nic
refused "quarantined" "refusing to start d1: '$nic' is quarantined" "ddactl pool release $nic"
python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute(sys.argv[2]); db.commit()' \
	"$root/state/ddactl.db" "UPDATE pool_device SET quarantined_at = NULL, quarantine_reason = NULL"

# ------------------------------------------------------------ return-to-host
km libvirt policy d1 --return-to-host
hook d1 started begin no $nic
hook d1 release end no $nic
check "return-to-host: exit 0" is "$rc" 0
check "return-to-host: the kernel has it on igb again" is "$(driver $nic)" igb
check "return-to-host: said" has "$out" "returned '$nic' to the host for domain d1 (vfio-pci -> igb)"
km pool --json
check "return-to-host: out of the pool" jsonq "'$nic' not in [e['address'] for e in d['pool']]"

# ------------------------------------------------------------ dismount-managed
km libvirt policy d1 --keep --dismount-managed
hook d1 prepare begin yes $nic
check "dismount-managed: exit 0" is "$rc" 0
check "dismount-managed: the kernel has it on vfio-pci" is "$(driver $nic)" vfio-pci
check "dismount-managed: said" has "$out" "dismounted '$nic' into the pool for domain d1 (igb -> vfio-pci)"
km pool --json
check "dismount-managed: in the pool" jsonq "'$nic' in [e['address'] for e in d['pool'] if e['state'] == 'pooled']"
before=$(links)
hook d1 prepare begin yes $rtl
refused "dismount-managed still refuses what dismount refuses" "refusing to start d1: '$rtl': refusing to dismount" "'$snd'"

# ------------------------------------------------------------ time per start
# prepare, started and release of one pooled device, as libvirt runs them
km libvirt policy d1 --keep --no-dismount-managed
dom d1 no $nic >"$tmp/dom.xml"
declare -A ns
for i in $(seq 20); do
	for step in "prepare begin" "started begin" "release end"; do
		t0=$(date +%s%N)
		# shellcheck disable=SC2086
		LD_PRELOAD=$KMODEL "$ddactl" libvirt-hook d1 $step - <"$tmp/dom.xml" >/dev/null 2>&1 || echo "fail $step"
		ns[$step]=$((${ns[$step]:-0} + $(date +%s%N) - t0))
	done
done >"$tmp/timing"
check "20 starts and stops: every hook exits 0" is "$(cat "$tmp/timing")" ""
echo "# hook time on the fixture, mean of 20: prepare $((ns[prepare begin] / 20000000)) ms," \
	"started $((ns[started begin] / 20000000)) ms, release $((ns[release end] / 20000000)) ms"

# ------------------------------------------------------------ attach and detach
# libvirt's test driver (in libvirt.so itself): domain 'test' runs.
km libvirt attach test $rtl --connect test:///default
check "attach of a device not in the pool: refused" is "$rc" 1
check "attach: names the device and the fix" has "$err" "'$rtl' is not in the pool ('ddactl dismount $rtl' first)"
km libvirt attach nosuch $nic --connect test:///default
check "attach to a domain libvirt has not: exit 2" is "$rc" 2
check "attach: no libvirt domain" has "$err" "no libvirt domain 'nosuch'"
km libvirt attach test $nic --connect test:///default
check "attach: libvirt's own refusal is told" has "$err" "libvirt domain 'test': attaching the device failed"
check "attach: exit 1" is "$rc" 1
km pool --json
check "attach that failed: nobody's" jsonq "[e['owner'] for e in d['pool'] if e['address'] == '$nic'] == [None]"
km log --json
check "attach that failed: audited as failed" jsonq "d['log'][-1]['operation'] == 'libvirt attach' and d['log'][-1]['outcome'] == 'failed'"
hook d1 started begin no $nic
km libvirt attach test $nic --connect test:///default
check "attach of another domain's device: refused before libvirt" has "$err" "is held by libvirt domain 'd1'"
km libvirt detach test $nic --connect test:///default
check "detach from the wrong domain: refused" has "$err" "is held by libvirt domain 'd1', not 'test'"
hook d1 release end no $nic
km libvirt detach test $nic --connect test:///default
check "detach of what the domain does not have: exit 1" is "$rc" 1
check "detach: says so" has "$err" "is not attached to libvirt domain 'test'"

echo "1..$n"
[ "$failed" -eq 0 ]
