// SPDX-License-Identifier: GPL-2.0-or-later
//
// real.mjs URL / SHOTS: the page as root on this machine's own /sys, read
// only (nothing here clicks an action).  The picture must match the real
// kernel's functions and IOMMU groups, whatever this host has.
import { check, sysfs, run } from "./lib.mjs";

const [url, root, shots] = process.argv.slice(2);
const sys = sysfs(root);
const functions = sys.functions();
const groups = sys.groups();

await run(url, async page => {
    await page.waitForFunction(() => Number(document.body.dataset.loaded) >= 1 || document.body.dataset.loaded === "error",
                               null, { timeout: 60000 });
    await page.screenshot({ path: `${shots}/real.png`, fullPage: true });
    check("the page reads this host (no error document)",
          await page.evaluate(() => document.body.dataset.loaded !== "error"), await page.innerText("#alerts"));
    const ready = await page.innerText("#host-card");
    check("the readiness card answers for IOMMU, interrupt remapping and vfio-pci",
          /IOMMU/.test(ready) && /Interrupt remapping/.test(ready) && /vfio-pci/.test(ready), ready);
    // unfold everything, so that each function is a node
    await page.click("text=Expand all");
    const nodes = await page.$$eval("svg .ddactl-dev", els => els.map(e => [e.dataset.address, e.dataset.group]));
    check(`one node per function of the real /sys/bus/pci/devices (${functions.length})`,
          JSON.stringify(nodes.map(n => n[0]).sort()) === JSON.stringify([...functions].sort()), nodes.map(n => n[0]).join(" "));
    // a function without a group has no data-group at all
    const wrong = nodes.filter(([a, g]) => sys.group(a) !== (g === undefined ? null : g));
    check(`each node in the group the kernel's iommu_group link names (${groups.length} groups)`, wrong.length === 0, JSON.stringify(wrong));

    // Cockpit's "auto" style follows the browser's; PatternFly 4 draws dark
    // under pf-theme-dark on <html>
    const dark = () => page.evaluate(() => document.documentElement.classList.contains("pf-theme-dark"));
    await page.emulateMedia({ colorScheme: "light" });
    const light = await dark();
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForFunction(() => document.documentElement.classList.contains("pf-theme-dark"), null, { timeout: 5000 }).catch(() => {});
    check("the page follows a dark colour scheme, and back", !light && await dark());
    await page.screenshot({ path: `${shots}/real-dark.png` });
    await page.evaluate(() => window.dispatchEvent(new CustomEvent("cockpit-style", { detail: { style: "light" } })));
    check("... and Cockpit's own style switch (cockpit-style: light) wins over it", !await dark());
});
