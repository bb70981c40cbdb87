// SPDX-License-Identifier: GPL-2.0-or-later
//
// big.mjs URL ROOT SHOTS: the page on a 4,096-function fake host.  Runs of
// VFs and like siblings fold into counted nodes, every function is in the
// picture once (a node or a fold's count), a fold opens on click, and the
// picture is drawn within 2 s of the data.
import { check, sysfs, run } from "./lib.mjs";

const [url, root, shots] = process.argv.slice(2);
const functions = sysfs(root).functions();

await run(url, async page => {
    await page.waitForSelector("#topology[data-render-ms]", { timeout: 120000 });
    await page.waitForFunction(() => performance.getEntriesByName("ddactl-painted").length > 0);
    const t = await page.evaluate(() => {
        const at = name => performance.getEntriesByName(name)[0].startTime;
        return { data: at("ddactl-data"), drawn: at("ddactl-drawn"), painted: at("ddactl-painted"),
                 render: Number(document.getElementById("topology").dataset.renderMs) };
    });
    await page.screenshot({ path: `${shots}/big.png` });
    const ms = t.painted - t.data;
    console.log(`# 4,096 functions: ddactl's data in hand ${(t.data / 1000).toFixed(2)} s after navigation, ` +
                `the topology drawn in ${t.render.toFixed(0)} ms, on screen ${ms.toFixed(0)} ms after the data ` +
                `(${(t.painted / 1000).toFixed(2)} s after navigation)`);
    check(`the ${functions.length}-function picture is on screen within 2 s of the data (${ms.toFixed(0)} ms)`, ms < 2000);

    const shown = await page.$$eval("svg .ddactl-dev", els => els.map(e => e.dataset.address));
    const folds = await page.$$eval("svg .ddactl-fold", els => els.map(e => Number(e.dataset.count)));
    const counted = shown.length + folds.reduce((a, b) => a + b, 0);
    console.log(`# ${shown.length} function nodes and ${folds.length} folds`);
    check("runs of VFs and like siblings are folded", folds.length > 0 && shown.length + folds.length < functions.length / 4,
          `${shown.length} nodes, ${folds.length} folds`);
    check(`every function is in the picture once, as a node or in a fold's count (${functions.length})`,
          counted === functions.length && new Set(shown).size === shown.length, `${counted}`);

    const first = await page.$("svg .ddactl-fold");
    const n = Number(await first.getAttribute("data-count"));
    await first.click();
    const after = await page.$$eval("svg .ddactl-dev", els => els.length);
    check(`a click opens a fold: ${n} more function nodes`, after === shown.length + n, `${shown.length} -> ${after}`);
});
