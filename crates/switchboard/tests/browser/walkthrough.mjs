// The seed pages step by step, in French, with Debian's Chromium: the
// admin signs in, adds a user, maps a number, resets a password; the new
// user reads the welcome e-mail (caught by a real SMTP sink that writes
// N.eml files to MAIL_DIR), signs in, must change the password, sets call
// forwarding and the caller ID, and exports the call log as CSV. Every
// page is saved as a screenshot.
//   node walkthrough.mjs BASE_URL SCREENSHOT_DIR MAIL_DIR MAIN_NUMBER ADMIN_PASSWORD
import { check, launch } from "./lib.mjs";
import { readdirSync, readFileSync } from "node:fs";

const [base, shots, mailDir, mainNumber, password] = process.argv.slice(2);
const browser = await launch();
const errors = [];

// The text of a message as the sink wrote it: headers, blank line, body
// in base64, quoted-printable or plain 7/8 bit.
function decodeMail(raw) {
  const split = raw.indexOf("\n\n");
  const head = raw.slice(0, split);
  const body = raw.slice(split + 2);
  const encoding = (/^content-transfer-encoding:\s*(\S+)/im.exec(head) || [])[1] || "7bit";
  const to = (/^to:\s*(.+)$/im.exec(head) || [])[1] || "";
  let text;
  if (encoding.toLowerCase() === "base64") {
    text = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  } else if (encoding.toLowerCase() === "quoted-printable") {
    const bytes = [];
    const soft = body.replace(/=\r?\n/g, "");
    for (let i = 0; i < soft.length; i++) {
      if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
        bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(soft[i], "utf8"));
      }
    }
    text = Buffer.from(bytes).toString("utf8");
  } else {
    text = body;
  }
  return { to, text };
}

// Waits for a message to `to` whose text contains `needle`.
async function mailTo(to, needle) {
  for (let i = 0; i < 100; i++) {
    for (const f of readdirSync(mailDir).sort()) {
      const m = decodeMail(readFileSync(`${mailDir}/${f}`, "utf8").replace(/\r\n/g, "\n"));
      if (m.to.includes(to) && m.text.includes(needle)) return m.text;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} with ${needle}`);
}

try {
  const context = await browser.newContext({
    locale: "fr-FR",
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.on("console", (m) => {
    // Refused forms answer 4xx on purpose; anything else counts.
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  let n = 0;
  const shot = (name) =>
    page.screenshot({ path: `${shots}/w${String(++n).padStart(2, "0")}-${name}.png`, fullPage: true });

  // ---- The administrator (seed page "Portail administrateur") ----
  await page.goto(base + "/");
  await page.getByLabel("Numéro principal").fill(mainNumber);
  await page.getByLabel("Mot de passe").fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(base + "/admin");
  await shot("admin-home");

  await page.getByRole("link", { name: "Journal d'appels" }).click();
  await page.waitForURL(/\/admin\/calls/);
  await shot("admin-calls");

  // Extensions → + Ajouter un utilisateur, first with mistakes.
  await page.getByRole("link", { name: "Extensions", exact: true }).click();
  await page.waitForURL(base + "/admin/extensions");
  await shot("admin-extensions");
  await page.getByRole("link", { name: "+ Ajouter un utilisateur" }).click();
  await page.waitForURL(base + "/admin/extensions/new");
  await shot("admin-add-user");
  await page.getByLabel("Nom").fill("Chloé Bernard");
  await page.getByLabel("Adresse e-mail").fill("chloe@acme");
  await page.getByLabel("Numéro de poste").fill("201");
  await page.getByRole("button", { name: "Ajouter l'utilisateur" }).click();
  await page.locator("#extension-error").waitFor();
  check((await page.locator("#extension-error").textContent()).includes("déjà utilisé"), "duplicate extension refused");
  check((await page.locator("#email-error").count()) === 1, "bad e-mail refused");
  check((await page.getByLabel("Nom").inputValue()) === "Chloé Bernard", "name kept");
  await shot("admin-add-user-errors");
  await page.getByLabel("Adresse e-mail").fill("chloe@acme.example");
  await page.getByLabel("Numéro de poste").fill("205");
  await page.getByLabel("Numéro direct").selectOption({ label: "01 99 00 02 10 (nouveau numéro)" });
  await page.getByRole("button", { name: "Ajouter l'utilisateur" }).click();
  await page.waitForURL(/\/admin\/extensions\?/);
  await page.getByRole("status").waitFor();
  check((await page.getByRole("status").textContent()).includes("205"), "user added notice");
  await shot("admin-user-added");

  // Numbers: buy one from the pool and make it ring the new user.
  await page.getByRole("link", { name: "Numéros", exact: true }).click();
  await page.waitForURL(base + "/admin/numbers");
  await shot("admin-numbers");
  await page.locator("#buy-number").selectOption("+33199000211");
  await page.getByRole("button", { name: "Acheter" }).click();
  await page.getByRole("status").waitFor();
  const target = page.locator("#target-33199000211");
  const option = await target.locator("option", { hasText: "205" }).first().getAttribute("value");
  await target.selectOption(option);
  await page.locator("form[action='/admin/numbers/33199000211'] button").click();
  await page.getByRole("status").waitFor();
  check((await page.locator("#target-33199000211").inputValue()) === option, "number mapped to 205");
  await shot("admin-number-mapped");

  // Devices, with their registration state.
  await page.getByRole("navigation").getByRole("link", { name: "Appareils", exact: true }).click();
  await page.waitForURL(base + "/admin/devices");
  await shot("admin-devices");

  // The user's settings (dialog tabs) and a password reset.
  await page.getByRole("link", { name: "Extensions", exact: true }).click();
  const row = page.locator("tr", { hasText: "User 202" });
  await row.getByRole("link", { name: "Réglages" }).click();
  await page.waitForURL(/\/admin\/users\/\d+\//);
  await shot("admin-user-settings");
  await page.getByRole("link", { name: "Mot de passe", exact: true }).click();
  await page.waitForURL(/\/password$/);
  await shot("admin-user-password");
  // Manual, with a confirmation that does not match: refused next to it.
  await page.getByRole("radio", { name: /Manuelle/ }).check();
  await page.getByLabel("Mot de passe", { exact: true }).fill("nouveau-secret-202");
  await page.getByLabel("Confirmer le mot de passe").fill("nouveau-secret-203");
  await page.getByRole("button", { name: "Réinitialiser le mot de passe" }).click();
  await page.locator("#confirm-error").waitFor();
  check(await page.getByRole("radio", { name: /Manuelle/ }).isChecked(), "manual choice kept");
  await shot("admin-user-password-mismatch");
  // Automatic: a temporary password goes out by e-mail.
  await page.getByRole("radio", { name: /Automatique/ }).check();
  await page.getByRole("button", { name: "Réinitialiser le mot de passe" }).click();
  await page.getByRole("status").waitFor();
  check((await page.getByRole("status").textContent()).includes("u202@acme.example"), "reset notice names the address");
  await shot("admin-user-password-reset");
  const resetMail = await mailTo("u202@acme.example", "Nouveau mot de passe");
  const reset = /Nouveau mot de passe : (\S+)/.exec(resetMail)[1];

  await page.locator("summary").click();
  await page.getByRole("button", { name: "Se déconnecter" }).click();
  await page.waitForURL(base + "/");

  // The user whose password was reset must choose a new one.
  {
    const other = await (await browser.newContext({ locale: "fr-FR" })).newPage();
    await other.goto(base + "/user");
    await other.getByLabel("Numéro de l'entreprise").fill(mainNumber);
    await other.getByLabel("Numéro de poste").fill("202");
    await other.getByLabel("Mot de passe").fill(reset);
    await other.getByRole("button", { name: "Se connecter" }).click();
    await other.waitForURL(base + "/user/password");
    await other.close();
  }

  // ---- The new user (seed page "Portail utilisateur") ----
  const welcome = await mailTo("chloe@acme.example", "205");
  const temporary = /Mot de passe temporaire : (\S+)/.exec(welcome)[1];
  check(temporary && temporary.length >= 8, "temporary password in the welcome mail");

  await page.goto(base + "/user");
  await page.getByLabel("Numéro de l'entreprise").fill(mainNumber);
  await page.getByLabel("Numéro de poste").fill("205");
  await page.getByLabel("Mot de passe").fill(temporary);
  await shot("user-signin");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(base + "/user/password");
  await shot("user-must-change-password");
  await page.getByLabel("Nouveau mot de passe", { exact: true }).fill("chloe-secret-1");
  await page.getByLabel("Confirmez le nouveau mot de passe").fill("chloe-secret-2");
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.getByRole("alert").waitFor();
  await shot("user-password-mismatch");
  await page.getByLabel("Nouveau mot de passe", { exact: true }).fill("chloe-secret-1");
  await page.getByLabel("Confirmez le nouveau mot de passe").fill("chloe-secret-1");
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.waitForURL(base + "/user/calls");
  await shot("user-calls");

  // Preferences: forwarding needs its number, then the caller ID.
  await page.getByRole("link", { name: "Préférences" }).click();
  await page.waitForURL(/\/user\/preferences/);
  await shot("user-preferences");
  await page.getByRole("link", { name: "Renvoi d'appel" }).click();
  await page.getByLabel("Renvoi d'appel activé").check();
  await page.getByLabel("Numéro de renvoi").fill("");
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.locator("#fwd-error").waitFor();
  check((await page.getByLabel("Renvoi d'appel activé").isChecked()), "the ticked box is kept");
  await shot("user-forwarding-error");
  await page.getByLabel("Numéro de renvoi").fill("06 12 34 56 78");
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.getByRole("status").waitFor();
  check((await page.getByLabel("Numéro de renvoi").inputValue()).includes("06 12 34 56 78"), "forwarding number saved");
  await shot("user-forwarding-saved");

  await page.getByRole("link", { name: "Présentation du numéro" }).click();
  await page.getByLabel("Numéro présenté lors des appels sortants").selectOption({ label: "01 99 00 02 11" });
  await page.getByRole("button", { name: "Enregistrer" }).click();
  await page.getByRole("status").waitFor();
  check((await page.getByLabel("Numéro présenté lors des appels sortants").inputValue()) === "+33199000211", "caller ID saved");
  await shot("user-caller-id-saved");

  // Call log, exported as CSV.
  await page.getByRole("link", { name: "Journal d'appels" }).click();
  await page.waitForURL(/\/user\/calls/);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Exporter en CSV" }).click(),
  ]);
  const csv = readFileSync(await download.path(), "utf8");
  check(download.suggestedFilename().endsWith(".csv"), "a .csv file");
  check(csv.split("\n")[0].includes(","), "CSV header line: " + csv.split("\n")[0]);
  await shot("user-calls-export");

  await page.getByRole("link", { name: "Profil" }).click();
  await page.waitForURL(base + "/user/profile");
  check((await page.content()).includes("Chloé Bernard"), "profile shows the name");
  await shot("user-profile");

  await page.setViewportSize({ width: 390, height: 844 });
  await shot("user-profile-mobile");

  check(errors.length === 0, "no console errors: " + errors.join(" | "));
  console.log("ok " + n + " screenshots; csv: " + csv.split("\n")[0]);
} finally {
  await browser.close();
}
