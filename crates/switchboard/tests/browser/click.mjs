// Click to call from the user portal (SPEC U2) in French, then English: a
// refused number first, then a call from a user whose phone is not
// registered, followed live by the htmx-polled panel until the switch says
// "no phone registered" and the polling stops. A screenshot of each step.
//   node click.mjs BASE_URL SCREENSHOT_DIR MAIN_NUMBER USER_EXT USER_PASSWORD
import { check, launch } from "./lib.mjs";

const [base, shots, mainNumber, ext, userPassword] = process.argv.slice(2);
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
    page.screenshot({ path: `${shots}/c${String(++n).padStart(2, "0")}-${name}.png`, fullPage: true });

  await page.goto(base + "/user");
  await page.getByLabel("Numéro de l'entreprise").fill(mainNumber);
  await page.getByLabel("Numéro de poste").fill(ext);
  await page.getByLabel("Mot de passe").fill(userPassword);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(base + "/user/calls");
  await page.getByRole("heading", { name: "Appeler" }).waitFor();
  await shot("click-form");

  // A number that reaches nothing is refused next to the field, kept.
  const field = page.getByLabel("Numéro à appeler");
  await field.fill("12345678");
  await page.getByRole("button", { name: "Appeler", exact: true }).click();
  await page.locator("#destination-error").waitFor();
  check((await page.locator("#destination-error").textContent()).includes("ni un poste"), "refusal says why");
  check((await field.inputValue()) === "12345678", "refused number kept");
  await shot("click-refused");

  // A real number: the page follows the call.
  await field.fill("06 12 34 56 78");
  await page.getByRole("button", { name: "Appeler", exact: true }).click();
  await page.waitForURL(/\/user\/calls\/live\/\d+$/);
  await page.getByRole("heading", { name: "Appel vers le 06 12 34 56 78" }).waitFor();
  await shot("click-progress");

  // The user's phone is not registered: the panel, polled every second,
  // ends there and stops polling.
  const panel = page.locator("#call-progress");
  await panel.getByText("Aucun téléphone connecté").waitFor({ timeout: 30000 });
  check((await panel.getAttribute("hx-trigger")) === null, "polling stopped");
  check((await page.locator('[role="status"] #call-progress').count()) === 1, "the panel is in a live region");
  await page.getByRole("button", { name: "Rappeler" }).waitFor();
  await shot("click-no-phone");

  await page.getByRole("button", { name: "Change language to English" }).click();
  await page.locator("#call-progress").getByText("No phone registered").waitFor();
  await shot("click-no-phone-en");

  // Back to the log: the call-back link of a logged call fills the form
  // without leaving the page (when the log has one).
  await page.getByRole("link", { name: "Back to the call log" }).click();
  await page.waitForURL(base + "/user/calls");
  const back = page.locator("a[data-dial]").first();
  if ((await back.count()) > 0) {
    const number = await back.getAttribute("data-dial");
    await back.click();
    check((await page.getByLabel("Number to call").inputValue()) === number, "call back fills the form");
    check(page.url() === base + "/user/calls", "no page load");
    await shot("click-call-back-en");
  }

  check(errors.length === 0, "no console errors: " + errors.join(" | "));
  console.log("ok " + n + " screenshots");
} finally {
  await browser.close();
}
