// SPDX-License-Identifier: GPL-2.0-or-later
//
// page.mjs URL ROOT SHOTS: the Device assignment page on the unit tests'
// fake host.  ROOT's sysfs (moved by the kernel model) and fake-qemu's log
// are the truth the page is checked against; SHOTS gets the screenshots.
import { existsSync, readFileSync, writeFileSync, unlinkSync } from "node:fs";
import { check, sysfs, run, loads, loadedAfter } from "./lib.mjs";

const [url, root, shots] = process.argv.slice(2);
const sys = sysfs(root);
const { driver } = sys;
const functions = sys.functions();
const groups = sys.groups();
const vmRun = `${process.env.COCKPIT_VM_RUN}/web`;
const qemuLog = () => existsSync(`${vmRun}/fake-qemu.log`) ? readFileSync(`${vmRun}/fake-qemu.log`, "utf8") : "";
const qemuAlive = () => {
    try {
        process.kill(Number(readFileSync(`${vmRun}/qemu.pid`, "utf8")), 0);
        return true;
    } catch (e) {
        return false;
    }
};

// click, then wait for the page's next refresh (every change ends in one)
async function andRefresh(page, fn) {
    const before = await loads(page);
    await fn();
    await loadedAfter(page, before);
}

async function closeDialog(page) {
    await page.click('.pf-c-modal-box button[aria-label="Close"]');
}

await run(url, async page => {
    await page.waitForSelector("svg .ddactl-dev", { timeout: 60000 });
    await page.waitForFunction(() => Number(document.body.dataset.loaded) >= 1);
    await page.screenshot({ path: `${shots}/page.png`, fullPage: true });
    await (await page.$("#topology-card")).screenshot({ path: `${shots}/topology.png` });

    const ready = await page.innerText("#host-card");
    check("the readiness card names IOMMU, interrupt remapping and vfio-pci",
          /IOMMU/.test(ready) && /Interrupt remapping/.test(ready) && /vfio-pci/.test(ready));
    check(`the readiness card counts the fixture's ${groups.length} groups`, ready.includes(`${groups.length} groups`));

    // the picture against the fake sysfs
    const nodes = await page.$$eval("svg .ddactl-dev", els => els.map(e => e.dataset.address));
    check(`one node per function of the fake sysfs (${functions.length})`,
          JSON.stringify([...nodes].sort()) === JSON.stringify([...functions].sort()), nodes.join(" "));
    const boxes = await page.$$eval("svg .ddactl-group", els => els.map(e => e.dataset.group));
    check(`one box per IOMMU group with members (${groups.length})`,
          JSON.stringify([...new Set(boxes)].sort()) === JSON.stringify([...groups].sort()), boxes.join(" "));
    const inBox = await page.$$eval("svg .ddactl-dev", els => els.map(e => [e.dataset.address, e.dataset.group]));
    const wrong = inBox.filter(([a, g]) => sys.group(a) !== g);
    check("each node is in the group its iommu_group link names", wrong.length === 0, JSON.stringify(wrong));
    const labelled = await page.$$eval("svg .ddactl-dev", els => els.filter(e => e.getAttribute("tabindex") === "0" && e.getAttribute("aria-label")).length);
    check("every node is focusable and labelled", labelled === nodes.length, `${labelled} of ${nodes.length}`);

    // details: the D3cold GPU's reasons, opened from the keyboard
    await page.focus('[data-address="0000:00:03.0"]');
    await page.keyboard.press("Enter");
    await page.waitForSelector(".ddactl-reason-hint");
    const details = await page.innerText("#details");
    check("Enter on a node shows its reasons and hints", /Hint: /.test(details) && /D3cold|d3cold/.test(details), details);

    // a refusal: the host's own NVMe, naming the device, with the fix apart
    await page.click('[data-address="0000:02:00.0"]');
    await page.click('[data-action="dismount"]');
    await page.waitForSelector(".pf-c-modal-box .pf-c-alert");
    const refused = await page.innerText(".pf-c-modal-box");
    check("a refusal shows ddactl's message naming the device, and its fix",
          refused.includes("0000:02:00.0") && /refus/.test(refused) && /Fix: /.test(refused), refused);
    check("... in a real dialog (role=dialog, aria-modal, labelled)",
          await page.$eval(".pf-c-modal-box", b => b.getAttribute("role") === "dialog" && b.getAttribute("aria-modal") === "true" &&
                           !!document.getElementById(b.getAttribute("aria-labelledby"))));
    check("... and nothing moved", driver("0000:02:00.0") === "nvme");
    await page.keyboard.press("Escape");
    check("Escape closes the dialog", (await page.$(".pf-c-modal-box")) === null);

    // a plain dismount through the dialog, then the pool table
    await page.click('[data-address="0000:05:00.0"]');
    await page.click('[data-action="dismount"]');
    await page.waitForSelector('.pf-c-modal-box [data-action="confirm"]');
    await page.screenshot({ path: `${shots}/dismount-dialog.png` });
    await andRefresh(page, () => page.click('.pf-c-modal-box [data-action="confirm"]'));
    await page.waitForSelector(".ddactl-outcome");
    check("the dialog's dismount puts 05:00.0 on vfio-pci (kernel model)", driver("0000:05:00.0") === "vfio-pci",
          driver("0000:05:00.0"));
    await closeDialog(page);
    const row = await page.$eval('#pool-body tr[data-address="0000:05:00.0"]', r => r.innerText).catch(() => "");
    check("... and the pool table lists it with igb as its original driver", /igb/.test(row), row);

    // force: a conventional PCI device and its bus-mate need the tick
    await page.click('[data-address="0000:04:00.0"]');
    await page.click('[data-action="dismount"]');
    await page.waitForSelector('.pf-c-modal-box [data-force]');
    const plan = await page.innerText(".pf-c-modal-box");
    check("a force plan names the companion that comes along", /Companions that come along: 04:01\.0/.test(plan), plan);
    check("... its confirm is disabled until the tick",
          await page.$eval('.pf-c-modal-box [data-action="confirm"]', b => b.disabled));
    check("... and nothing moved before it", driver("0000:04:00.0") === "");
    await page.check('.pf-c-modal-box [data-force]');
    await andRefresh(page, () => page.click('.pf-c-modal-box [data-action="confirm"]'));
    await page.waitForSelector(".ddactl-outcome");
    check("the forced dismount moves the whole group: 04:00.0 and 04:01.0 on vfio-pci",
          driver("0000:04:00.0") === "vfio-pci" && driver("0000:04:01.0") === "vfio-pci");
    await closeDialog(page);
    const forced = await page.$eval('#pool-body tr[data-address="0000:04:00.0"]', r => r.innerText).catch(() => "");
    check("... and the pool table says who forced it and why", /by root/.test(forced), forced);
    await (await page.$("#pool-card")).screenshot({ path: `${shots}/pool.png` });

    // the VM: add "any like this" while stopped, start, hot-remove that
    // the guest holds (pending), let go, hot-add from the pool, stop
    await page.click('tr[data-vm="web"] [data-action="vm-add"]');
    await page.selectOption("#ddactl-add-mode", "any");
    await page.selectOption('.pf-c-modal-box select[aria-label="Vendor and device ids"]', "8086:1533");
    await andRefresh(page, () => page.click('.pf-c-modal-box [data-action="confirm"]'));
    check("an 'any like this' add gives the VM the pooled I210",
          /05:00\.0/.test(await page.innerText('tr[data-vm="web"]')));
    await andRefresh(page, () => page.click('tr[data-vm="web"] [data-action="vm-start"]'));
    check("Start starts QEMU with the device on its command line (fake-qemu's pid and argv)",
          qemuAlive() && readFileSync(`${vmRun}/fake-qemu.argv`, "utf8").includes("host=0000:05:00.0"),
          existsSync(`${vmRun}/fake-qemu.argv`) ? readFileSync(`${vmRun}/fake-qemu.argv`, "utf8") : "no argv");
    writeFileSync(`${vmRun}/fake-qemu.guest-holds`, "");
    await andRefresh(page, () => page.click('tr[data-vm="web"] li[data-address="0000:05:00.0"] [data-action="vm-remove"]'));
    const pending = await page.innerText("#alerts") + await page.innerText('tr[data-vm="web"]');
    check("a removal the guest has not finished shows as pending, not done",
          /pending/i.test(pending) && /removal pending/.test(await page.innerText('tr[data-vm="web"]')) &&
          /device_del/.test(qemuLog()), pending);
    check("... and the device is still not back on a host driver", driver("0000:05:00.0") === "vfio-pci");
    unlinkSync(`${vmRun}/fake-qemu.guest-holds`);
    await andRefresh(page, () => page.click("text=Refresh"));
    await page.waitForFunction(() => !document.querySelector('tr[data-vm="web"] li[data-address="0000:05:00.0"]'), null, { timeout: 15000 })
        .catch(() => {});
    check("once the guest lets go, the device leaves the VM's row",
          !/05:00\.0/.test(await page.innerText('tr[data-vm="web"]')), await page.innerText('tr[data-vm="web"]'));
    await page.click('tr[data-vm="web"] [data-action="vm-add"]');
    await page.selectOption('.pf-c-modal-box select[aria-label="Pooled device"]', "0000:05:00.0");
    await andRefresh(page, () => page.click('.pf-c-modal-box [data-action="confirm"]'));
    check("a hot add from the pool reaches the running QEMU (device_add)",
          /device_add.*0000:05:00\.0/.test(qemuLog()) && /05:00\.0/.test(await page.innerText('tr[data-vm="web"]')), qemuLog());
    await andRefresh(page, () => page.click('tr[data-vm="web"] [data-action="vm-stop"]'));
    check("Stop stops QEMU", !qemuAlive() && /stopped/.test(await page.innerText('tr[data-vm="web"]')));
    check("... while the pool's Mount stays disabled: the stopped VM still holds 05:00.0",
          await page.$eval('#pool-body tr[data-address="0000:05:00.0"] [data-action="mount"]', b => b.disabled));
    await andRefresh(page, () => page.click('tr[data-vm="web"] li[data-address="0000:05:00.0"] [data-action="vm-remove"]'));
    check("Remove from the stopped VM gives it back to the pool at once",
          !/05:00\.0/.test(await page.innerText('tr[data-vm="web"]')));

    // SR-IOV: 2 of 64 VFs, set 4 into the pool; the kernel model's sysfs
    const pfText = await page.innerText('[data-pf="0000:01:00.0"]');
    check("the SR-IOV card shows the PF's VF count", /2 of 64 VFs/.test(pfText), pfText);
    await page.click('[data-pf="0000:01:00.0"] [data-action="vf-set"]');
    await page.fill("#ddactl-vf-count", "4");
    await page.check("#ddactl-vf-pool");
    await andRefresh(page, () => page.click('.pf-c-modal-box [data-action="confirm"]'));
    await page.waitForSelector(".ddactl-outcome");
    const vfs = [0, 1, 2, 3].map(i => `0000:01:10.${i}`);
    check("Set count 4 with the pool: sriov_numvfs 4, every VF on vfio-pci",
          sys.attr("0000:01:00.0", "sriov_numvfs") === "4" && vfs.every(a => driver(a) === "vfio-pci"),
          vfs.map(a => `${a}=${driver(a)}`).join(" "));
    await closeDialog(page);
    check("... and the card shows 4 of 64", /4 of 64 VFs/.test(await page.innerText('[data-pf="0000:01:00.0"]')));
    // the fake root has no rtnetlink: ddactl refuses, and the page says why
    await page.click('[data-pf="0000:01:00.0"] tr[data-address="0000:01:10.0"] [data-action="vf-config"]');
    await page.fill("#ddactl-vf-vlan", "5");
    await page.click('.pf-c-modal-box [data-action="confirm"]');
    await page.waitForSelector(".pf-c-modal-box .pf-c-alert");
    const pol = await page.innerText(".pf-c-modal-box");
    check("a VF policy ddactl cannot apply shows its reason, naming the PF", /0000:01:00\.0/.test(pol) && /rtnetlink/.test(pol), pol);
    await closeDialog(page);

    // the log, filtered by device as `ddactl log --device` filters it
    await page.fill("#ddactl-log-device", "0000:05:00.0");
    await page.waitForFunction(() => [...document.querySelectorAll(".ddactl-log tbody tr")].every(r => r.dataset.device === "0000:05:00.0"),
                               null, { timeout: 15000 });
    const logRows = await page.$$eval(".ddactl-log tbody tr", rs => rs.map(r => r.innerText));
    check("the log filtered by 05:00.0 shows its dismount, VM changes and nothing else",
          logRows.length >= 3 && logRows.some(r => /dismount/.test(r)), logRows.join("\n"));

    // mount 05:00.0 back from the pool
    await page.click('#pool-body tr[data-address="0000:05:00.0"] [data-action="mount"]');
    await page.waitForSelector('.pf-c-modal-box [data-action="confirm"]');
    await andRefresh(page, () => page.click('.pf-c-modal-box [data-action="confirm"]'));
    await page.waitForSelector(".ddactl-outcome");
    check("mount gives 05:00.0 back to igb (kernel model)", driver("0000:05:00.0") === "igb", driver("0000:05:00.0"));
    await closeDialog(page);
    await page.screenshot({ path: `${shots}/after.png`, fullPage: true });
});
