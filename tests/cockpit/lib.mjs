// SPDX-License-Identifier: GPL-2.0-or-later
//
// What the three browser tests share: TAP checks, the kernel's truth read
// from a (fake or real) sysfs, and Debian's chromium through playwright-core.
import { createRequire } from "node:module";
import { readdirSync, readlinkSync, existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";

const require = createRequire(process.env.NODE_PATH + "/");
const { chromium } = require("playwright-core");

let n = 0, failed = 0;
export function check(desc, ok, detail) {
    n++;
    console.log(`${ok ? "ok" : "not ok"} ${n} - ${desc}`);
    if (!ok) {
        failed++;
        if (detail !== undefined)
            console.log(`# ${String(detail).split("\n").join("\n# ")}`);
    }
}

// The sysfs under root, as the kernel (or the kernel model) left it.
export function sysfs(root) {
    const devs = `${root}/sys/bus/pci/devices`;
    const groupsDir = `${root}/sys/kernel/iommu_groups`;
    return {
        devs,
        functions: () => readdirSync(devs),
        driver: a => existsSync(`${devs}/${a}/driver`) ? basename(readlinkSync(`${devs}/${a}/driver`)) : "",
        attr: (a, f) => readFileSync(`${devs}/${a}/${f}`, "utf8").trim(),
        group: a => existsSync(`${devs}/${a}/iommu_group`) ? basename(readlinkSync(`${devs}/${a}/iommu_group`)) : null,
        groups: () => existsSync(groupsDir)
            ? readdirSync(groupsDir).filter(g => readdirSync(`${groupsDir}/${g}/devices`).length > 0)
            : [],
    };
}

// run(url, body): opens the page, runs body(page, errors), prints the plan
// and exits 1 if a check failed.
export async function run(url, body, viewport = { width: 1400, height: 1100 }) {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    const page = await browser.newPage({ viewport });
    const errors = [];
    page.on("pageerror", e => errors.push(e.message));
    try {
        await page.goto(url);
        await body(page, errors);
        check("no script error on the page", errors.length === 0, errors.join("\n"));
    } catch (e) {
        check(`the page could be driven: ${e.message.split("\n")[0]}`, false, errors.join("\n"));
    } finally {
        await browser.close();
    }
    console.log(`1..${n}`);
    process.exit(failed ? 1 : 0);
}

// the next refresh after a change: the page counts them in body[data-loaded]
export async function loadedAfter(page, before) {
    await page.waitForFunction(b => Number(document.body.dataset.loaded || 0) > b, before, { timeout: 30000 });
}

export async function loads(page) {
    return page.evaluate(() => Number(document.body.dataset.loaded || 0));
}
