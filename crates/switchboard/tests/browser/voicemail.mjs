// Voicemail in the user portal (SPEC U3) in French: a seeded new message
// is listed in bold with its badge, plays in the page (which marks it
// heard), is marked new again, downloads as an MP3 file, and is deleted
// after the confirmation page. A screenshot of each step; the list's goes
// to /tmp/voicemail.png as well.
//   node voicemail.mjs BASE_URL SCREENSHOT_DIR MAIN_NUMBER USER_EXT USER_PASSWORD CALLER
import { readFile } from "node:fs/promises";
import { check, launch } from "./lib.mjs";

const [base, shots, mainNumber, ext, userPassword, caller] = process.argv.slice(2);
const browser = await launch();
const errors = [];

try {
  const context = await browser.newContext({
    locale: "fr-FR",
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  let n = 0;
  const shot = (name) =>
    page.screenshot({ path: `${shots}/v${String(++n).padStart(2, "0")}-${name}.png`, fullPage: true });

  await page.goto(base + "/user");
  await page.getByLabel("Numéro de l'entreprise").fill(mainNumber);
  await page.getByLabel("Numéro de poste").fill(ext);
  await page.getByLabel("Mot de passe").fill(userPassword);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.waitForURL(base + "/user/calls");

  // The tab leads to the list: one new message, in bold with its badge.
  await page.getByRole("link", { name: "Messagerie vocale" }).click();
  await page.waitForURL(base + "/user/voicemail");
  await page.getByRole("heading", { name: "Messagerie vocale" }).waitFor();
  check((await page.locator("#count-new").textContent()) === "1", "one new message");
  const message = page.locator("li.message").filter({ hasText: caller });
  check((await message.count()) === 1, "the message is listed");
  check((await message.locator(".badge-new").textContent()) === "Nouveau", "new badge");
  const weight = await message.locator(".message-caller").evaluate((e) => getComputedStyle(e).fontWeight);
  check(Number(weight) >= 700, "new message in bold: " + weight);
  await shot("voicemail-list");
  await page.screenshot({ path: "/tmp/voicemail.png", fullPage: true });

  // Play, pressing the player's button as a person would: the player
  // fetches the MP3 from its start and plays it.
  const audio = message.locator("audio");
  check((await audio.getAttribute("preload")) === "none", "nothing loaded before play");
  const box = await audio.boundingBox();
  await page.mouse.click(box.x + 20, box.y + box.height / 2);
  await page.waitForFunction(
    (el) => el.currentTime > 0.3 && !el.error,
    await audio.elementHandle(),
    { timeout: 15000 },
  );
  const state = await audio.evaluate((a) => ({ paused: a.paused, t: a.currentTime, d: a.duration }));
  check(state.d > 1, "a message of some seconds: " + JSON.stringify(state));
  await audio.evaluate((a) => a.pause());
  check((await message.locator(".badge-new").count()) === 0, "the badge goes as it plays");
  check((await page.locator("#count-new").textContent()) === "0", "the count follows");
  await message.getByRole("button", { name: "Marquer comme nouveau" }).waitFor();
  await shot("voicemail-playing");

  // Played means heard: after a reload the message is saved.
  await page.reload();
  check((await page.locator("#count-new").textContent()) === "0", "heard once played");
  check((await page.locator("#count-saved").textContent()) === "1", "saved once played");
  check((await message.locator(".badge-new").count()) === 0, "no badge once heard");

  // Mark as new again.
  await message.getByRole("button", { name: "Marquer comme nouveau" }).click();
  await page.waitForURL(/\/user\/voicemail#message-\d+$/);
  check((await page.locator("#count-new").textContent()) === "1", "new again");
  await message.locator(".badge-new").waitFor();
  await shot("voicemail-marked-new");

  // Download: an MP3 file (an ID3 tag or an MPEG frame sync).
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    message.getByRole("link", { name: "Télécharger (MP3)" }).click(),
  ]);
  check(/^message-\d{4}-\d\d-\d\d-\d{4}\.mp3$/.test(download.suggestedFilename()), "file name " + download.suggestedFilename());
  const bytes = await readFile(await download.path());
  const id3 = bytes.subarray(0, 3).toString("latin1") === "ID3";
  const sync = bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0;
  check(bytes.length > 1000 && (id3 || sync), "the download is an MP3 of " + bytes.length + " bytes");

  // Delete, after the confirmation page.
  await message.getByRole("link", { name: "Supprimer" }).click();
  await page.getByRole("heading", { name: "Supprimer le message" }).waitFor();
  await shot("voicemail-delete");
  await page.getByRole("button", { name: "Supprimer le message" }).click();
  await page.waitForURL(base + "/user/voicemail?deleted=1");
  await page.getByText("Le message a été supprimé.").waitFor();
  check((await page.locator("li.message").count()) === 0, "the message is gone");
  check((await page.getByText("Aucun message pour le moment.").count()) === 1, "empty list said so");
  await shot("voicemail-deleted");

  check(errors.length === 0, "no console errors: " + errors.join(" | "));
  console.log("ok " + n + " screenshots");
} finally {
  await browser.close();
}
