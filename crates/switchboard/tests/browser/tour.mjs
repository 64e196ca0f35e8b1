// The pages the walkthrough does not open, in French, each used once the
// way an office would: a ring group, a CSV import, a device, the account
// settings, an API key; then the platform operator's portal (create an
// account, add numbers to the pool). A screenshot of every page.
//   node tour.mjs BASE_URL SCREENSHOT_DIR MAIN_NUMBER ADMIN_PASSWORD OPERATOR_EMAIL OPERATOR_PASSWORD
import { check, launch } from "./lib.mjs";

const [base, shots, mainNumber, password, opEmail, opPassword] = process.argv.slice(2);
const browser = await launch();
const errors = [];

try {
  const context = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  let n = 0;
  const shot = (name) =>
    page.screenshot({ path: `${shots}/t${String(++n).padStart(2, "0")}-${name}.png`, fullPage: true });
  const status = async (text) => {
    await page.getByRole("status").first().waitFor();
    const got = await page.getByRole("status").first().textContent();
    check(got.includes(text), `notice "${text}" in "${got}"`);
  };

  await page.goto(base + "/");
  await page.getByLabel("Numéro principal").fill(mainNumber);
  await page.getByLabel("Mot de passe").fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(base + "/admin");

  // A ring group: refused without members, then made.
  await page.getByRole("link", { name: "Extensions", exact: true }).click();
  await page.getByRole("link", { name: "+ Ajouter un groupe d'appel" }).click();
  await page.waitForURL(base + "/admin/groups/new");
  await shot("admin-group-new");
  await page.getByLabel("Nom du groupe").fill("Accueil");
  await page.getByLabel("Numéro de poste").fill("600");
  await page.getByRole("button", { name: "Ajouter le groupe" }).click();
  await page.locator(".field-error").first().waitFor();
  check((await page.getByLabel("Nom du groupe").inputValue()) === "Accueil", "group name kept");
  await shot("admin-group-errors");
  await page.getByRole("checkbox", { name: /User 201/ }).check();
  await page.getByRole("checkbox", { name: /User 202/ }).check();
  await page.getByLabel("Sonnerie", { exact: true }).selectOption({ index: 1 });
  await page.getByRole("button", { name: "Ajouter le groupe" }).click();
  await status("600");
  await shot("admin-group-added");

  // CSV import: a bad line first (nothing imported), then the fixed file.
  await page.getByRole("link", { name: "Importer un CSV" }).click();
  await page.waitForURL(base + "/admin/extensions/import");
  await shot("admin-import");
  const header = "extension,name,email,password,sip_username,sip_password";
  await page.getByLabel("Contenu du fichier").fill(
    `${header}\n301,Denis Petit,denis@acme.example,,denis301,sip-secret-301\n30x,Eve,eve@acme,,eve302,sip-secret-302\n`,
  );
  await page.getByRole("button", { name: "Importer" }).click();
  await page.locator("#csv-problems li").first().waitFor();
  await shot("admin-import-refused");
  const problems = (await page.locator("#csv-problems li").allInnerTexts()).join(" | ");
  check(/Ligne 3/.test(problems), "the bad line is named: " + problems);
  await page.getByLabel("Contenu du fichier").fill(
    `${header}\n301,Denis Petit,denis@acme.example,,denis301,sip-secret-301\n302,Eve Roux,eve@acme.example,,eve302,sip-secret-302\n`,
  );
  await page.getByRole("button", { name: "Importer" }).click();
  await status("2 utilisateur");
  await shot("admin-import-done");

  // A desk phone, by MAC address.
  await page.getByRole("navigation").getByRole("link", { name: "Appareils", exact: true }).click();
  await page.getByRole("link", { name: "+ Ajouter un appareil" }).click();
  await shot("admin-device-new");
  await page.getByLabel("Adresse MAC").fill("00-1a-2b-3c-4d-zz");
  await page.getByRole("button", { name: "Ajouter l'appareil" }).click();
  await page.locator("#mac-error").waitFor();
  await shot("admin-device-bad-mac");
  await page.getByLabel("Adresse MAC").fill("00-1a-2b-3c-4d-5e");
  await page.getByLabel("Modèle").selectOption({ index: 1 });
  const denis = await page.getByLabel("Attribuer à").locator("option", { hasText: "Denis Petit" }).getAttribute("value");
  await page.getByLabel("Attribuer à").selectOption(denis);
  await page.getByRole("button", { name: "Ajouter l'appareil" }).click();
  await page.waitForURL(/\/admin\/devices\/\d+/);
  check((await page.content()).includes("00:1A:2B:3C:4D:5E"), "MAC normalised");
  await shot("admin-device-added");

  // Account settings and the API keys.
  await page.getByRole("link", { name: "Compte", exact: true }).click();
  await page.waitForURL(base + "/admin/account");
  await shot("admin-account");
  await page.getByLabel("Fuseau horaire").fill("Europe/Nulle-Part");
  await page.locator("form[action='/admin/account'] button[type=submit]").click();
  await page.locator("#time_zone-error").waitFor();
  await shot("admin-account-bad-zone");
  await page.getByRole("link", { name: "API", exact: true }).click();
  await page.waitForURL(base + "/admin/api-keys");
  await page.getByLabel("Nom", { exact: true }).fill("Synchronisation CRM");
  await page.getByRole("button", { name: "Créer la clé" }).click();
  await page.locator("#new-key").waitFor();
  check((await page.locator("#new-key").textContent()).startsWith("sb_"), "the key is shown");
  await shot("admin-api-key-created");

  // ---- The platform operator ----
  const op = await (await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 800 } })).newPage();
  const opShot = (name) =>
    op.screenshot({ path: `${shots}/t${String(++n).padStart(2, "0")}-${name}.png`, fullPage: true });
  await op.goto(base + "/operator");
  await opShot("operator-signin");
  await op.getByLabel("Adresse e-mail").fill(opEmail);
  await op.getByLabel("Mot de passe").fill(opPassword);
  await op.getByRole("button", { name: "Se connecter" }).click();
  await op.waitForURL(/\/operator\/accounts/);
  await opShot("operator-accounts");
  await op.getByLabel("Entreprise").fill("Garage Durand");
  await op.getByLabel("Numéro principal").fill("+33199000400");
  await op.getByLabel("E-mail de l'administrateur").fill("durand@garage.example");
  await op.getByRole("button", { name: "Créer le compte" }).click();
  await op.getByRole("status").first().waitFor();
  check((await op.content()).includes("Garage Durand"), "account listed");
  await opShot("operator-account-created");
  await op.getByRole("link", { name: "Numéros", exact: true }).click();
  await op.waitForURL(/\/operator\/numbers/);
  await op.getByLabel("Premier numéro").fill("+33199000500");
  await op.getByLabel("Dernier numéro (facultatif)").fill("+33199000400");
  await op.getByRole("button", { name: "Ajouter" }).click();
  await op.locator(".field-error").first().waitFor();
  await opShot("operator-numbers-bad-range");
  await op.getByLabel("Dernier numéro (facultatif)").fill("+33199000509");
  await op.getByRole("button", { name: "Ajouter" }).click();
  await op.getByRole("status").first().waitFor();
  check((await op.getByRole("status").first().textContent()).includes("10 numéro"), "10 numbers added");
  await opShot("operator-numbers");

  check(errors.length === 0, "no console errors: " + errors.join(" | "));
  console.log("ok " + n + " screenshots");
} finally {
  await browser.close();
}
