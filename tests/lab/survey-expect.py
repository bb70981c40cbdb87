#!/usr/bin/env python3
"""Check one device of a `ddactl survey --json` document against expectations.

    survey-expect.py SURVEY.json ADDRESS EXPECTATION...

EXPECTATION is one of
    verdict=V            the device's verdict is V
    type=T               its type is T
    has=CODE             it has a reason CODE
    not=CODE             it has no reason CODE
    sev:CODE=S           reason CODE has severity S
    msg:CODE~TEXT        reason CODE's message contains TEXT
    explain:CODE~TEXT    reason CODE's explain contains TEXT
    reset=a,b            reset_methods are exactly a,b ("" for none)
    member=ADDR          ADDR is in its group_members
    group=N              its iommu_group is N ("none" for null)
    driver=D             its driver is D ("none" for null)
    intx=B msi=B msix=B  interrupt capabilities (true/false)
Prints what differs and exits 1 when any expectation fails.
"""
import json
import sys


def main():
    doc = json.load(open(sys.argv[1]))
    addr = sys.argv[2]
    if len(addr) == 7:
        addr = "0000:" + addr
    devs = {d["address"]: d for d in doc["devices"]}
    if addr not in devs:
        print(f"{addr}: not in the survey")
        return 1
    d = devs[addr]
    reasons = {r["code"]: r for r in d["reasons"]}
    bad = []
    for e in sys.argv[3:]:
        if e.startswith("verdict="):
            ok = d["verdict"] == e[8:]
        elif e.startswith("type="):
            ok = d["type"] == e[5:]
        elif e.startswith("has="):
            ok = e[4:] in reasons
        elif e.startswith("not="):
            ok = e[4:] not in reasons
        elif e.startswith("sev:"):
            code, sev = e[4:].split("=", 1)
            ok = code in reasons and reasons[code]["severity"] == sev
        elif e.startswith("msg:"):
            code, text = e[4:].split("~", 1)
            ok = code in reasons and text in reasons[code]["message"]
        elif e.startswith("explain:"):
            code, text = e[8:].split("~", 1)
            ok = code in reasons and text in (reasons[code].get("explain") or "")
        elif e.startswith("reset="):
            want = [x for x in e[6:].split(",") if x]
            ok = d["reset_methods"] == want
        elif e.startswith("member="):
            m = e[7:]
            ok = (m if len(m) > 7 else "0000:" + m) in d["group_members"]
        elif e.startswith("group="):
            ok = str(d["iommu_group"]) == e[6:] or (d["iommu_group"] is None and e[6:] == "none")
        elif e.startswith("driver="):
            ok = (d["driver"] or "none") == e[7:]
        elif e.split("=")[0] in ("intx", "msi", "msix"):
            k, v = e.split("=", 1)
            ok = d["interrupts"][k] == (v == "true")
        else:
            print(f"unknown expectation {e}")
            return 2
        if not ok:
            bad.append(e)
    if bad:
        print(f"{addr}: expected {' '.join(bad)}")
        print(json.dumps({k: d[k] for k in ("verdict", "type", "driver", "iommu_group",
                                           "group_members", "reset_methods", "interrupts")}))
        for r in d["reasons"]:
            print(f"  {r['severity']} {r['code']}: {r['message']}")
            if r.get("explain"):
                print(f"      why: {r['explain']}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
