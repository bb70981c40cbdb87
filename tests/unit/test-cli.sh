#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-cli.sh DDACTL MKFIXTURE: drives the built ddactl as a user would, on
# the fake host mkfixture writes: exit statuses, where messages go, and the
# JSON documents.  One "ok"/"not ok" line per check; exit 1 if any failed.
set -u

. "$(dirname "$0")/cli-lib.sh"


# ------------------------------------------------------------------ basics

run --version
check "--version exits 0" is "$rc" 0
check "--version prints the version" has "$out" "ddactl 0."
check "--version writes nothing to stderr" is "$err" ""

run --help
check "--help exits 0" is "$rc" 0
check "--help lists survey" has "$out" "survey"
check "--help shows usage" has "$out" "Usage: ddactl"

run
check "no command exits 2" is "$rc" 2
check "no command prints usage on stderr" has "$err" "Usage: ddactl"

run survey --help
check "survey --help exits 0" is "$rc" 0
check "survey --help shows its usage" has "$out" "Usage: ddactl survey"

run frobnicate
check "unknown command exits 2" is "$rc" 2
check "unknown command: 'ddactl: ' on stderr" has "$err" "ddactl: unknown command 'frobnicate'"
check "unknown command: nothing on stdout" is "$out" ""

run --frobnicate
check "unknown option exits 2" is "$rc" 2
check "unknown option: 'ddactl: ' on stderr" has "$err" "ddactl: "

export DDACTL_ROOT=$root

run survey --frobnicate
check "survey: unknown option exits 2" is "$rc" 2
check "survey: unknown option names it" has "$err" "ddactl: "

# ------------------------------------------------------------------ survey --json

ndev=$(find "$root/sys/bus/pci/devices" -mindepth 1 -maxdepth 1 | wc -l)

run survey --json
check "survey --json exits 0" is "$rc" 0
check "survey --json is valid JSON" jsonq 'isinstance(d, dict)'
check "survey --json has host and devices" jsonq 'set(d) == {"host", "devices"}'
check "survey --json lists every function ($ndev)" jsonq "len(d['devices']) == $ndev"
check "survey --json: host ready" jsonq 'd["host"]["ready"] is True'
check "survey --json: remapping on" jsonq 'd["host"]["interrupt_remapping"]["enabled"] is True'
check "survey --json: vfio-pci loaded" jsonq 'd["host"]["vfio_pci"] == "loaded"'
# verdicts the fixture is built to give
devs='{x["address"]: x for x in d["devices"]}'
verdict() { jsonq "$devs[\"$1\"][\"verdict\"] == \"$2\""; }
reason() { jsonq "\"$2\" in [r[\"code\"] for r in $devs[\"$1\"][\"reasons\"]]"; }
check "NVMe holding / is not assignable" verdict 0000:02:00.0 not-assignable
check "NVMe holding / is host-in-use" reason 0000:02:00.0 host-in-use
check "NVMe: not even with --force" jsonq "any('not even with --force' in r['hint'] for r in $devs['0000:02:00.0']['reasons'])"
check "active PF is not assignable" reason 0000:01:00.0 sriov-pf-active
check "VF in vfio-pci is assignable" verdict 0000:01:10.0 assignable
check "VF in vfio-pci is in the pool" reason 0000:01:10.0 in-pool
check "VF location path" jsonq "$devs['0000:01:10.1']['location_path'] == 'PCIROOT(0)#PCI(0100)#PCI(0000)#VF(1)'"
check "boot GPU with console is host-in-use" reason 0000:00:02.0 host-in-use
check "old PCI card is legacy-pci" reason 0000:04:00.0 legacy-pci
check "old PCI cards share a group" reason 0000:04:00.0 group-shared
check "old PCI cards share an IRQ line" jsonq "any('shared with 0000:04:01.0' in r['hint'] for r in $devs['0000:04:00.0']['reasons'])"
check "D3cold GPU says so" reason 0000:00:03.0 d3cold
check "SMBus next to the LPC bridge" reason 0000:00:1f.4 group-host-in-use
check "SMBus without reset needs --force" reason 0000:00:1f.4 no-reset
check "root port is a bridge" verdict 0000:00:01.0 not-assignable
check "every device has a verdict" jsonq 'all(x["verdict"] in ("assignable", "assignable-with-force", "not-assignable") for x in d["devices"])'
check "no colour in JSON" lacks "$out" $'\033'

run survey --json 01:10.0 'PCIROOT(0)#PCI(0101)#PCI(0000)'
check "survey --json DEVICE... exits 0" is "$rc" 0
check "survey --json DEVICE... lists those, in order" jsonq '[x["address"] for x in d["devices"]] == ["0000:01:10.0", "0000:02:00.0"]'

# ------------------------------------------------------------------ errors

run survey --json bogus
check "survey --json bogus exits 2" is "$rc" 2
check "survey --json bogus: error document on stdout" jsonq 'd["error"]["code"] == "bad-device" and d["error"]["device"] == "bogus" and "bogus" in d["error"]["message"]'
check "survey --json bogus: nothing on stderr" is "$err" ""

run survey bogus
check "survey bogus exits 2" is "$rc" 2
check "survey bogus: 'ddactl: ' on stderr" has "$err" "ddactl: "
check "survey bogus: names the input" has "$err" "'bogus'"

run survey 0000:7f:00.0
check "survey of an absent device exits 2" is "$rc" 2
check "survey of an absent device: 'ddactl: ' on stderr" has "$err" "ddactl: "
check "survey of an absent device names it" has "$err" "0000:7f:00.0"

run survey --json 'PCIROOT(0)#PCI(1F00)#PCI(0000)'
check "survey --json absent location path exits 2" is "$rc" 2
check "survey --json absent location path: no-device" jsonq 'd["error"]["code"] == "no-device"'

# ------------------------------------------------------------------ text

run survey
check "survey (text) exits 0" is "$rc" 0
check "survey (text) has the host line" has "$out" "Host"
check "survey (text) groups by IOMMU group" has "$out" "IOMMU group 5"
check "survey (text) shows the verdict" has "$out" "not-assignable"
check "survey (text) sums up" has "$out" "assignable with --force"
check "survey (text): no colour off a terminal" lacks "$out" $'\033'

run survey 0000:02:00.0
check "survey DEVICE (text) exits 0" is "$rc" 0
check "survey DEVICE (text) shows it" has "$out" "0000:02:00.0"
check "survey DEVICE (text) shows only it" lacks "$out" "0000:01:10.0"

# ------------------------------------------------------------------ root

DDACTL_ROOT=$tmp/does-not-exist run survey
check "survey of a missing root fails" is "$rc" 1
check "survey of a missing root: 'ddactl: ' on stderr" has "$err" "ddactl: "

echo "1..$n"
[ "$failed" -eq 0 ]
