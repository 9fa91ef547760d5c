// Embedding, as a clinic's IT would check it: every demo page under the relay's strict
// policy loads the widget with zero CSP violations and no request to another origin; an
// aggressive host stylesheet (the kind a CMS theme ships) changes nothing inside the widget
// while the clinic's --hearth-* theme properties do come through; and the widget's own
// styles never reach the host page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { ARTIFACTS, createVault, cspViolations, foreignRequests, launch, open, watchCsp } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// Served from the page's own origin (the policy allows only 'self' stylesheets).
const AGGRESSIVE = `
html { font-size: 10px; }
* {
  box-sizing: content-box; margin: 3px; padding: 2px;
  font-family: "Courier New", serif; font-size: 22px; font-style: italic; font-weight: 900;
  line-height: 2.4; letter-spacing: 0.2em; word-spacing: 1em; text-transform: uppercase;
  text-align: right; text-indent: 2em; color: #ff00ff; white-space: pre;
  cursor: crosshair;
}
button, input, h1, h2, h3, p, div, section, label { all: unset; display: inline; }
.card, .button-primary, .field, .screen, .lead { border: 4px dashed red; background: yellow; }
hearth-widget { --hearth-accent: #123456; }
`;

// Both runs give the widget's container the same width, so what is compared is the
// widget's own layout (a clinic's page may of course make the container narrower).
const FIXED = "main.site-main { width: 800px !important; max-width: none !important; }";

/** Opens `path` with CSP violations watched and the container fixed; with `aggressive`,
 * the host page also gets the stylesheet above (and two host elements that use the
 * widget's class names). */
async function openPage(path, aggressive = false) {
  const opened = await open(browser, path);
  await watchCsp(opened.context);
  await opened.context.route("**/fixed.css", (route) =>
    route.fulfill({ status: 200, contentType: "text/css", body: FIXED }),
  );
  if (aggressive) {
    await opened.context.route("**/aggressive.css", (route) =>
      route.fulfill({ status: 200, contentType: "text/css", body: AGGRESSIVE }),
    );
  }
  await opened.page.reload();
  const sheets = aggressive ? ["/fixed.css", "/aggressive.css"] : ["/fixed.css"];
  await opened.page.evaluate((hrefs) => {
    for (const href of hrefs) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      document.head.append(link);
    }
  }, sheets);
  await opened.page.waitForFunction(
    (n) => [...document.styleSheets].filter((s) => /\/(fixed|aggressive)\.css$/.test(s.href ?? "")).length === n,
    sheets.length,
  );
  if (aggressive) {
    await opened.page.evaluate(() => {
      const probe = document.createElement("div");
      probe.id = "host-probe";
      const button = document.createElement("button");
      button.className = "button-primary probe-button";
      button.textContent = "Host button";
      const lead = document.createElement("p");
      lead.className = "lead probe-lead";
      lead.textContent = "Host paragraph";
      probe.append(button, lead);
      document.body.prepend(probe);
    });
  }
  await opened.page.getByRole("heading", { name: "Before we start" }).waitFor();
  return opened;
}

/** Boxes of the widget's parts, relative to its frame, and a few computed styles. */
function layout(page) {
  return page.locator("hearth-widget").evaluate((host) => {
    const root = host.shadowRoot;
    const frame = root.querySelector(".hearth-frame").getBoundingClientRect();
    const parts = {};
    const pick = {
      heading: "h2",
      firstChoice: ".choice",
      continueButton: "button.button-primary",
      consentText: ".screen p",
      crisisButton: "button.button-crisis",
    };
    for (const [name, selector] of Object.entries(pick)) {
      const el = root.querySelector(selector);
      if (!el) continue;
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      parts[name] = {
        x: Math.round(r.x - frame.x),
        y: Math.round(r.y - frame.y),
        w: Math.round(r.width),
        h: Math.round(r.height),
        font: `${s.fontStyle} ${s.fontWeight} ${s.fontSize}/${s.lineHeight} ${s.fontFamily}`,
        text: `${s.letterSpacing} ${s.wordSpacing} ${s.textTransform} ${s.textAlign} ${s.color}`,
      };
    }
    return { width: Math.round(frame.width), parts };
  });
}

test("the host page's CSS does not change the widget, the theme does come through, and the widget's CSS stays inside", async () => {
  const plain = await openPage("/");
  const before = await layout(plain.page);
  const accent = await plain.page
    .getByRole("button", { name: "Continue" })
    .evaluate((b) => getComputedStyle(b).backgroundColor);
  await plain.context.close();

  const styled = await openPage("/", true);
  const { page, log } = styled;
  const after = await layout(page);
  assert.ok(Object.keys(before.parts).length >= 4, JSON.stringify(before));
  assert.deepEqual(after, before, "the widget's layout and text styles are unchanged");
  await page.locator("hearth-widget").screenshot({ path: join(ARTIFACTS, "widget-aggressive-host.png") });

  // The clinic's theme property is the one thing that comes in.
  await page.getByRole("radio", { name: /^Both/ }).check();
  await page.getByRole("checkbox", { name: /software, not a person/ }).check();
  const themed = await page
    .getByRole("button", { name: "Continue" })
    .evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.equal(themed, "rgb(18, 52, 86)");
  assert.notEqual(accent, themed);

  // Nothing of the widget's reaches the host: no stylesheet in the document but the page's
  // own, and host elements named like the widget's keep the page's look.
  const sheets = await page.evaluate(() => ({
    hrefs: [...document.styleSheets].map((s) => new URL(s.href).pathname),
    adopted: document.adoptedStyleSheets.length,
  }));
  assert.deepEqual(sheets.hrefs.sort(), ["/aggressive.css", "/fixed.css", "/site.css"]);
  assert.equal(sheets.adopted, 0);
  const probe = await page.evaluate(() => {
    const style = (selector) => getComputedStyle(document.querySelector(selector));
    return {
      buttonBackground: style(".probe-button").backgroundColor,
      buttonBorder: style(".probe-button").borderTopStyle,
      leadSize: style(".probe-lead").fontSize,
    };
  });
  assert.deepEqual(probe, { buttonBackground: "rgb(255, 255, 0)", buttonBorder: "dashed", leadSize: "22px" });

  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(foreignRequests(log), []);
  await styled.context.close();
});

test("every demo page works under the strict policy: no violation, no other origin, and loads only its own module", async () => {
  for (const path of ["/", "/launcher/", "/patient/", "/clinician/"]) {
    const { context, page, log, response } = await open(browser, path);
    const csp = response.headers()["content-security-policy"];
    assert.match(csp, /default-src 'self'/, path);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, path);
    assert.match(csp, /style-src 'self'/, path);
    assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/, path);
    await watchCsp(context);
    await page.reload();
    if (path === "/launcher/") await page.getByRole("button", { name: "Open Hearth support" }).click();
    const ready = path === "/clinician/" ? "Clinician console" : "Before we start";
    await page.getByRole("heading", { name: ready }).waitFor();
    // Let the workers and the model start: their requests count too.
    await page.waitForTimeout(1500);
    assert.deepEqual(await cspViolations(page), [], path);
    assert.deepEqual(log.errors, [], path);
    assert.deepEqual(foreignRequests(log), [], path);
    // Patients download the widget's module only; the console's is a separate download.
    const modules = new Set(
      log.requests.map((u) => new URL(u).pathname).filter((p) => /^\/hearth_(widget|console)/.test(p)),
    );
    const [own, other] = path === "/clinician/" ? ["hearth_console", "hearth_widget"] : ["hearth_widget", "hearth_console"];
    assert.ok(modules.has(`/${own}_bg.wasm`), `${path}: ${[...modules]}`);
    assert.ok(![...modules].some((m) => m.startsWith(`/${other}`)), `${path}: ${[...modules]}`);
    await context.close();
  }
});

test("each kind of mistake in clinic.json gets a precise message, and the crisis defaults still show", async () => {
  const good = {
    version: 1,
    name: "Riverside Test Clinic",
    contact_options: [{ label: "Call reception", kind: "phone", value: "+1 555 010 0200" }],
  };
  const cases = [
    ["{", /not valid JSON/],
    ["[]", /must hold one JSON object/],
    [{ name: "Riverside" }, /`version` is missing; add "version": 1/],
    [{ ...good, version: 2 }, /`version` is 2, but this widget reads version 1/],
    [{ ...good, name: 7 }, /`name` is not text/],
    [{ ...good, contact_options: [{ label: "Fax us", kind: "fax", value: "1234" }] }, /`contact_options\[0\]\.kind` is not one of "phone", "sms", "email", "url"/],
    [{ ...good, crisis_resource: {} }, /`crisis_resource` is not a setting this widget knows \(did you mean `crisis_resources`\?\)/],
    [{ ...good, crisis_resources: { "*": [{ name: "Duty line", phone: "ring us" }] } }, /`crisis_resources\.\*\[0\]` has a `phone` or `sms` that is not a number/],
    [{ ...good, alerts: { enabled: true, inbox: "short" } }, /`alerts\.inbox` is not an inbox id/],
    [{ ...good, clinician_key: "abc" }, /`clinician_key` is not a clinician public key/],
    [{ ...good, theme: { accent: "red" } }, /`theme\.accent` is not a colour/],
    [{ ...good, storage: { kind: "webdav", url: "https://dav.example/h", password: "hunter2" } }, /`storage\.password` must not be in clinic\.json/],
    [{ ...good, modules: ["chat"] }, /`modules\[0\]` is not a module/],
    [{ ...good, session_nudge_minutes: 0 }, /`session_nudge_minutes` is not a whole number of minutes from 1 to 240/],
  ];
  const { context, page, log } = await open(browser, "/patient/");
  let body = "";
  await context.route("**/clinic.json", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body }),
  );
  for (const [config, expected] of cases) {
    body = typeof config === "string" ? config : JSON.stringify(config);
    await page.reload();
    await page.getByRole("heading", { name: "Before we start" }).waitFor();
    await page.getByRole("button", { name: "Crisis help" }).click();
    const problems = page.locator(".config-problems");
    await problems.waitFor();
    await problems.locator("summary").click();
    const text = await problems.innerText();
    assert.match(text, expected, `${body}\n→ ${text}`);
    // The built-in lines are there whatever the file says.
    assert.ok(await page.getByRole("link", { name: "Call 988" }).first().isVisible(), body);
  }
  assert.ok(cases.length >= 10);
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});

test("clinic.json shapes the widget: theme, consent additions, modules and packs", async () => {
  const config = {
    version: 1,
    name: "Riverside Test Clinic",
    contact_options: [{ label: "Call reception", kind: "phone", value: "+1 555 010 0200" }],
    theme: { accent: "#234e70", radius: "4px" },
    consent_additions: ["Riverside reads shared entries within two working days."],
    modules: ["assistant", "journal"],
    content_packs: ["paced-breathing"],
  };
  const { context, page, log } = await open(browser, "/patient/");
  await watchCsp(context);
  await context.route("**/clinic.json", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(config) }),
  );
  await page.reload();
  await page.getByRole("heading", { name: "From your clinic" }).waitFor();
  await page.getByText("Riverside reads shared entries within two working days.").waitFor();
  await page.getByRole("radio", { name: /^Both/ }).check();
  await page.getByRole("checkbox", { name: /software, not a person/ }).check();
  const button = page.getByRole("button", { name: "Continue" });
  const accent = await button.evaluate((b) => getComputedStyle(b).backgroundColor);
  assert.equal(accent, "rgb(35, 78, 112)");
  const radius = await page.locator(".hearth-frame").evaluate((f) => getComputedStyle(f).borderTopLeftRadius);
  assert.equal(radius, "4px");
  await button.click();
  await createVault(page);
  const nav = page.getByRole("navigation", { name: "Your space" });
  assert.equal(await nav.getByRole("button", { name: "Journal" }).count(), 1);
  for (const hidden of ["Check in", "Trends", "PHQ-9 (mood questionnaire)"]) {
    assert.equal(await nav.getByRole("button", { name: hidden }).count(), 0, hidden);
  }
  assert.equal(await nav.getByRole("button", { name: "My safety plan" }).count(), 1, "always on");
  await page.getByText("Guided sessions").click();
  const sessions = await page.locator(".session-list button").allInnerTexts();
  assert.equal(sessions.length, 1, sessions.join(" | "));
  assert.deepEqual(await cspViolations(page), []);
  assert.deepEqual(foreignRequests(log), []);
  await context.close();
});
