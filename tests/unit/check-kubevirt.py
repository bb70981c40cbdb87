#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`ddactl export kubevirt` against KubeVirt's published API.

    check-kubevirt.py FILE [SYSFS_DEVICES +ADDR...]

FILE (YAML or JSON: both go through PyYAML's safe loader, JSON being YAML)
must be a KubeVirt CR fragment whose every field KubeVirt knows, with the
type it declares; each +ADDR's vendor:device, read from SYSFS_DEVICES, must
be selected.  Exit 0 when all holds, 1 with the reason.

The field names and Go types, from kubevirt/kubevirt
staging/src/kubevirt.io/api/core/v1/types.go (read at commit 00341b09120e):

    type KubeVirtSpec struct {
        Configuration KubeVirtConfiguration `json:"configuration,omitempty"`
    type KubeVirtConfiguration struct {
        PermittedHostDevices *PermittedHostDevices `json:"permittedHostDevices,omitempty"`
    type PermittedHostDevices struct {
        PciHostDevices  []PciHostDevice      `json:"pciHostDevices,omitempty"`
        MediatedDevices []MediatedHostDevice `json:"mediatedDevices,omitempty"`
        USB             []USBHostDevice      `json:"usb,omitempty"`
    type PciHostDevice struct {
        PCIVendorSelector        string `json:"pciVendorSelector"`
        ResourceName             string `json:"resourceName"`
        ExternalResourceProvider bool   `json:"externalResourceProvider,omitempty"`

The API server prunes a field its schema does not have, without a word, so
an unknown name here would be lost, not refused: it is refused here.
"""
import os
import re
import sys

import yaml

# Go type -> the Python type a YAML or JSON value of it decodes to.
PCI_HOST_DEVICE = {
    "pciVendorSelector": (str, True),
    "resourceName": (str, True),
    "externalResourceProvider": (bool, False),
}
PERMITTED = {"pciHostDevices", "mediatedDevices", "usb"}
# KubeVirt's device manager compares the selector with the ids sysfs gives
# (lowercase hex) as vendor:device.
SELECTOR = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{4}$")
# A Kubernetes extended resource name: a DNS-subdomain prefix, "/", and a
# qualified name (k8s.io/apimachinery's IsQualifiedName), the form the
# device plugin registers with the kubelet.
RESOURCE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
                      r"/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def fail(msg):
    print(f"kubevirt: {msg}")
    sys.exit(1)


def only(obj, allowed, where):
    if not isinstance(obj, dict):
        fail(f"{where} is a {type(obj).__name__}, KubeVirt wants an object")
    extra = set(obj) - set(allowed)
    if extra:
        fail(f"{where} has {sorted(extra)}, which KubeVirt's API does not know")


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        doc = yaml.safe_load(f)
    only(doc, {"spec"}, "the document")
    only(doc["spec"], {"configuration"}, "spec")
    only(doc["spec"]["configuration"], {"permittedHostDevices"}, "spec.configuration")
    permitted = doc["spec"]["configuration"]["permittedHostDevices"]
    only(permitted, PERMITTED, "permittedHostDevices")
    devices = permitted.get("pciHostDevices", [])
    if not isinstance(devices, list):
        fail("pciHostDevices is not a list")
    selected = set()
    for i, d in enumerate(devices):
        where = f"pciHostDevices[{i}]"
        only(d, PCI_HOST_DEVICE, where)
        for name, (typ, required) in PCI_HOST_DEVICE.items():
            if name not in d:
                if required:
                    fail(f"{where} lacks {name}")
                continue
            # bool is an int in Python, and YAML's "false" is a bool: exact types
            if type(d[name]) is not typ:
                fail(f"{where}.{name} is {d[name]!r} ({type(d[name]).__name__}), "
                     f"KubeVirt declares {typ.__name__}")
        if not SELECTOR.match(d["pciVendorSelector"]):
            fail(f"{where}.pciVendorSelector {d['pciVendorSelector']!r} is not vvvv:dddd")
        if not RESOURCE.match(d["resourceName"]):
            fail(f"{where}.resourceName {d['resourceName']!r} is not an extended resource name")
        selected.add(d["pciVendorSelector"])
    if len(argv) > 2:
        sysfs = argv[2]
        for arg in argv[3:]:
            addr = arg.lstrip("+")
            vd = []
            for name in ("vendor", "device"):
                with open(os.path.join(sysfs, addr, name)) as f:
                    vd.append(f.read().strip().removeprefix("0x"))
            if ":".join(vd) not in selected:
                fail(f"{addr} ({':'.join(vd)}) is selected by no pciHostDevices entry")
    print(f"kubevirt: {len(devices)} pciHostDevices, every field KubeVirt's and of its type")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
