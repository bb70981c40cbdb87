// SPDX-License-Identifier: GPL-2.0-or-later
// The page's only way to the host: `ddactl ... --json` through
// cockpit.spawn.  The CLI is the API, so there is no daemon and nothing
// here decides what is safe: ddactl refuses, the page shows the refusal.

/* global cockpit */

// A failure of ddactl: its JSON error document when it printed one
// (code, message, device, and hint where the command gives one), else
// what cockpit or stderr said.
export class DdactlError extends Error {
    constructor(argv, doc, fallback) {
        const e = doc && doc.error ? doc.error : null;
        super(e ? e.message : fallback);
        this.argv = argv;
        this.code = e ? e.code : "spawn";
        this.device = e ? e.device : null;
        this.hint = e && e.hint ? e.hint : null;
    }
}

function parse(text) {
    try {
        return JSON.parse(text);
    } catch (e) {
        return null;
    }
}

// Reads need no root to say something (survey without root reads less);
// changes do, and must not fall back to the user.
export function ddactl(args, { change = false } = {}) {
    const argv = ["ddactl", ...args];
    if (!argv.includes("--json"))
        argv.push("--json");
    return new Promise((resolve, reject) => {
        cockpit.spawn(argv, { superuser: change ? "require" : "try", err: "message" })
            .then(out => {
                const doc = parse(out);
                if (doc === null)
                    reject(new DdactlError(argv, null, "ddactl printed no JSON: " + out.slice(0, 200)));
                else if (doc.error)
                    reject(new DdactlError(argv, doc, ""));
                else
                    resolve(doc);
            }, (ex, out) => {
                // an exit status other than 0 comes with the error
                // document on stdout; a missing ddactl or a denied
                // superuser comes with cockpit's problem only
                const doc = parse(out || "");
                reject(new DdactlError(argv, doc, cockpit.message(ex) || String(ex)));
            });
    });
}
