// Signs in to the admin portal in French with Debian's Chromium, following
// the seed pages, and saves a screenshot of every page.
//   node admin.mjs BASE_URL SCREENSHOT_DIR MAIN_NUMBER PASSWORD USER_EXT USER_PASSWORD
import { check, launch } from "./lib.mjs";

const [base, shots, mainNumber, password, ext, userPassword] = process.argv.slice(2);
const browser = await launch();
const errors = [];
try {
  const context = await browser.newContext({ locale: "fr-FR", viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // The refused sign-in answers 401 on purpose; any other error counts.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().includes("status of 401")) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });

  await page.goto(base + "/");
  check((await page.getAttribute("html", "lang")) === "fr", "html lang is fr");
  await page.getByRole("heading", { name: "Connexion administrateur" }).waitFor();
  await shot("01-admin-signin-fr");

  await page.getByLabel("Numéro principal").fill(mainNumber);
  await page.getByLabel("Mot de passe").fill("pas-le-bon");
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.getByRole("alert").waitFor();
  check((await page.getByRole("alert").textContent()).includes("incorrect"), "wrong password message");
  check((await page.getByLabel("Numéro principal").inputValue()) === mainNumber, "number kept");
  await shot("02-admin-signin-wrong-password");

  await page.getByLabel("Mot de passe").fill(password);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(base + "/admin");
  await page.getByRole("heading", { name: /Bienvenue/ }).waitFor();
  await shot("03-admin-dashboard");

  await page.locator("summary").click();
  await shot("04-admin-account-menu");

  await page.setViewportSize({ width: 390, height: 844 });
  await shot("05-admin-dashboard-mobile");
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.getByRole("button", { name: "Change language to English" }).click();
  await page.getByRole("heading", { name: /Welcome/ }).waitFor();
  check((await page.getAttribute("html", "lang")) === "en", "html lang is en");
  await shot("06-admin-dashboard-en");
  await page.getByRole("button", { name: "Passer en français" }).click();
  await page.getByRole("heading", { name: /Bienvenue/ }).waitFor();

  await page.locator("summary").click();
  await page.getByRole("button", { name: "Se déconnecter" }).click();
  await page.waitForURL(base + "/");
  await page.getByRole("heading", { name: "Connexion administrateur" }).waitFor();

  await page.getByRole("link", { name: "Mot de passe oublié ?" }).click();
  await page.getByRole("heading", { name: "Mot de passe oublié" }).waitFor();
  await shot("07-forgot-password");
  await page.getByLabel("Numéro principal").fill(mainNumber);
  await page.getByRole("button", { name: "Envoyer le lien" }).click();
  await page.getByRole("status").waitFor();
  await shot("08-forgot-password-sent");

  await page.goto(base + "/user");
  await page.getByRole("heading", { name: "Espace utilisateur" }).waitFor();
  await shot("09-user-signin");
  await page.getByLabel("Numéro de l'entreprise").fill(mainNumber);
  await page.getByLabel("Numéro de poste").fill(ext);
  await page.getByLabel("Mot de passe").fill(userPassword);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(base + "/user/calls");
  await page.getByRole("heading", { name: "Journal d'appels" }).waitFor();
  await shot("10-user-calls");

  check(errors.length === 0, "no console errors: " + errors.join(" | "));
  console.log("ok");
} finally {
  await browser.close();
}
