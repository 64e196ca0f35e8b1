// What every browser scenario starts with: Debian's Chromium, headless, as
// the project runs it, and the check that fails a scenario with a reason.
import { chromium } from "playwright-core";

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

export function check(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
}
