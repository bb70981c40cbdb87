// SPDX-License-Identifier: GPL-2.0-or-later
//
// page.mjs URL ROOT SHOTS: drives the Device assignment page in Debian's
// chromium and prints one TAP line per check.  ROOT is the fake host, read
// here as the kernel's truth; SHOTS gets the screenshots.
import { createRequire } from "node:module";
import { readdirSync, readlinkSync, existsSync } from "node:fs";
import { basename } from "node:path";

const require = createRequire(process.env.NODE_PATH + "/");
const { chromium } = require("playwright-core");
const [url, root, shots] = process.argv.slice(2);
const sys = `${root}/sys/bus/pci/devices`;

let n = 0, failed = 0;
function check(desc, ok, detail) {
    n++;
    console.log(`${ok ? "ok" : "not ok"} ${n} - ${desc}`);
    if (!ok) {
        failed++;
        if (detail !== undefined)
            console.log(`# ${String(detail).split("\n").join("\n# ")}`);
    }
}
const driver = a => existsSync(`${sys}/${a}/driver`) ? basename(readlinkSync(`${sys}/${a}/driver`)) : "";
const functions = readdirSync(sys);
const groups = readdirSync(`${root}/sys/kernel/iommu_groups`)
    .filter(g => readdirSync(`${root}/sys/kernel/iommu_groups/${g}/devices`).length > 0);

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
const errors = [];
page.on("pageerror", e => errors.push(e.message));
try {
    await page.goto(url);
    await page.waitForSelector("svg .ddactl-dev", { timeout: 60000 });
    await page.screenshot({ path: `${shots}/page.png`, fullPage: true });

    const ready = await page.innerText("body");
    check("the readiness card names IOMMU, interrupt remapping and vfio-pci",
          /IOMMU/.test(ready) && /Interrupt remapping/.test(ready) && /vfio-pci/.test(ready));
    check(`the readiness card counts the fixture's ${groups.length} groups`, ready.includes(`${groups.length} groups`));

    const nodes = await page.$$eval("svg .ddactl-dev", els => els.map(e => e.dataset.address));
    check(`one node per function of the fake sysfs (${functions.length})`,
          JSON.stringify([...nodes].sort()) === JSON.stringify([...functions].sort()), nodes.join(" "));
    const boxes = await page.$$eval("svg .ddactl-group", els => els.map(e => e.dataset.group));
    check(`one box per IOMMU group with members (${groups.length})`,
          JSON.stringify([...new Set(boxes)].sort()) === JSON.stringify([...groups].sort()), boxes.join(" "));
    const inBox = await page.$$eval("svg .ddactl-dev", els => els.map(e => [e.dataset.address, e.dataset.group]));
    const wrong = inBox.filter(([a, g]) =>
        basename(readlinkSync(`${sys}/${a}/iommu_group`)) !== g);
    check("each node is in the group its iommu_group link names", wrong.length === 0, JSON.stringify(wrong));

    // details: the D3cold GPU's reasons
    await page.click('[data-address="0000:00:03.0"]');
    await page.waitForSelector(".ddactl-reason-hint");
    const details = await page.innerText("body");
    check("clicking a node shows its reasons and hints", /Hint: /.test(details) && /D3cold|d3cold/.test(details));

    // an error document: the host's own NVMe is refused, naming the device
    await page.click('[data-address="0000:02:00.0"]');
    await page.click('[data-action="dismount"]');
    await page.waitForSelector(".pf-c-modal-box .pf-c-alert");
    const refused = await page.innerText(".pf-c-modal-box");
    check("a refusal shows ddactl's message naming the device", refused.includes("0000:02:00.0") && /refus/.test(refused), refused);
    check("... and nothing moved", driver("0000:02:00.0") === "nvme");
    await page.click('.pf-c-modal-box button[aria-label="Close"]');

    // a plain dismount through the dialog
    await page.click('[data-address="0000:05:00.0"]');
    await page.click('[data-action="dismount"]');
    await page.waitForSelector('.pf-c-modal-box [data-action="confirm"]');
    await page.screenshot({ path: `${shots}/dismount-dialog.png` });
    await page.click('.pf-c-modal-box [data-action="confirm"]');
    await page.waitForSelector(".ddactl-outcome", { timeout: 30000 });
    check("the dialog's dismount puts 05:00.0 on vfio-pci (kernel model)", driver("0000:05:00.0") === "vfio-pci",
          driver("0000:05:00.0"));
    await page.click('.pf-c-modal-box button[aria-label="Close"]');

    // force: a conventional PCI device and its bus-mate need the tick
    await page.click('[data-address="0000:04:00.0"]');
    await page.click('[data-action="dismount"]');
    await page.waitForSelector('.pf-c-modal-box [data-force]');
    check("a force plan's confirm is disabled until the tick",
          await page.$eval('.pf-c-modal-box [data-action="confirm"]', b => b.disabled));
    check("... and nothing moved before it", driver("0000:04:00.0") === "");
    await page.check('.pf-c-modal-box [data-force]');
    await page.click('.pf-c-modal-box [data-action="confirm"]');
    await page.waitForSelector(".ddactl-outcome", { timeout: 30000 });
    check("the forced dismount moves the whole group: 04:00.0 and 04:01.0 on vfio-pci",
          driver("0000:04:00.0") === "vfio-pci" && driver("0000:04:01.0") === "vfio-pci");
    await page.click('.pf-c-modal-box button[aria-label="Close"]');

    // mount it back from the pool
    await page.waitForFunction(() => document.querySelector('[data-address="0000:05:00.0"]')?.dataset.state === "pooled",
                               null, { timeout: 30000 }).catch(() => {});
    await page.click('[data-address="0000:05:00.0"]');
    await page.click('[data-action="mount"]');
    await page.waitForSelector('.pf-c-modal-box [data-action="confirm"]');
    await page.click('.pf-c-modal-box [data-action="confirm"]');
    await page.waitForSelector(".ddactl-outcome", { timeout: 30000 });
    check("mount gives 05:00.0 back to igb (kernel model)", driver("0000:05:00.0") === "igb", driver("0000:05:00.0"));
    await page.screenshot({ path: `${shots}/after.png`, fullPage: true });
    check("no script error on the page", errors.length === 0, errors.join("\n"));
} catch (e) {
    check(`the page could be driven: ${e.message.split("\n")[0]}`, false, errors.join("\n"));
} finally {
    await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
