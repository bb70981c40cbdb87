#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Nova's own parser reads `ddactl export nova`.

    check-nova.py NOVA_CONF SYSFS_DEVICES [+ADDR | -ADDR]...

NOVA_CONF is the export as a file: oslo.config reads it the way nova-compute
reads /etc/nova/nova.conf (the repeated device_spec and alias keys are
MultiStrOpt values), then nova.pci.whitelist.Whitelist parses the device
specs and nova.pci.request._get_alias_from_config the aliases, each raising
on what Nova would refuse at start.  +ADDR must then be assignable to Nova
and -ADDR must not, ADDR's ids and physical function read from SYSFS_DEVICES
as nova-compute reads them from libvirt's node devices.

Runs Debian's python3-nova: installed, or unpacked by scripts/deps.sh (its
directory in PYTHONPATH).  Exit 0 when all holds, 1 with the reason.
"""
import os
import sys


def ids(sysfs, addr):
    def hexfile(name):
        with open(os.path.join(sysfs, addr, name)) as f:
            return f.read().strip().removeprefix("0x")

    physfn = os.path.join(sysfs, addr, "physfn")
    return {
        "vendor_id": hexfile("vendor"),
        "product_id": hexfile("device"),
        "address": addr,
        "parent_addr": os.path.basename(os.readlink(physfn)) if os.path.islink(physfn) else None,
    }


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    conf_file, sysfs = argv[1], argv[2]
    import nova.conf
    from nova import exception
    from nova.pci import request, whitelist

    conf = nova.conf.CONF
    # Only the export: no /etc/nova/nova.conf, as on a machine without Nova.
    conf(["--config-file", conf_file], project="nova", default_config_files=[],
         default_config_dirs=[])
    try:
        specs = whitelist.Whitelist(conf.pci.device_spec)
        aliases = request._get_alias_from_config()
    except exception.NovaException as e:  # what nova-compute dies of at start
        print(f"nova refuses the export: {e}")
        return 1
    print(f"nova: {len(specs.specs)} device_spec, {len(aliases)} alias names: "
          + ", ".join(sorted(aliases)))
    if not specs.specs:
        print("nova: no device_spec at all")
        return 1
    bad = 0
    for arg in argv[3:]:
        want, addr = arg[0] == "+", arg[1:]
        dev = ids(sysfs, addr)
        got = specs.device_assignable(dev)
        if got != want:
            print(f"nova: {addr} {dev['vendor_id']}:{dev['product_id']} is "
                  f"{'' if got else 'not '}assignable, expected the opposite")
            bad = 1
        # An alias is how a flavor asks for the device: each assignable one
        # must be reachable through one of the aliases' vendor and product.
        if want and not any(s.get("vendor_id") == dev["vendor_id"] and
                            s.get("product_id") == dev["product_id"]
                            for _, group in aliases.values() for s in group):
            print(f"nova: no alias asks for {addr}'s ids")
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
