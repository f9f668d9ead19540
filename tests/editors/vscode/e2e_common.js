// What the browser scripts e2e.js and e2e_keyless.js share: the report they print, their step
// log, chromium's launch, opening a file from the explorer, reading the gutter's line numbers,
// and the screenshot kept when a step fails.
//
// Environment: E2E_TIMEOUT_MS (the wait of one step), E2E_CHROMIUM (browser binary),
// E2E_SCREENSHOT (PNG path), NODE_PATH (where playwright-core is installed).
'use strict';

const { chromium } = require('playwright-core');

const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 60000);
const report = { steps: [] };

function step(name) {
  report.steps.push({ name, at: Date.now() });
  process.stderr.write(`step: ${name}\n`);
}

/** Chromium (headless, without its sandbox and background traffic) and one page of `viewport`. */
async function launch(viewport) {
  const browser = await chromium.launch({
    executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const page = await browser.newPage({ viewport });
  return { browser, page };
}

/** Keep what the page showed when a step timed out, next to E2E_SCREENSHOT. */
async function screenshotFailure(page) {
  await page
    .screenshot({ path: process.env.E2E_SCREENSHOT.replace(/\.png$/, '-failure.png') })
    .catch(() => undefined);
}

/** The 1-based line number shown in the gutter at the height of `box`, or null. */
async function lineNumberAt(editor, box) {
  const numbers = editor.locator('.margin-view-overlays .line-numbers');
  const count = await numbers.count();
  for (let i = 0; i < count; i += 1) {
    const other = await numbers.nth(i).boundingBox();
    if (other && Math.abs(other.y - box.y) < other.height / 2) {
      return Number((await numbers.nth(i).innerText()).trim());
    }
  }
  return null;
}

/** Double-click `name` in the explorer; the text editor it opens in. */
async function openFile(page, name) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name });
  await row.first().waitFor({ timeout: TIMEOUT });
  await row.first().dblclick();
  await page
    .locator('.tabs-container .tab.active', { hasText: name })
    .waitFor({ timeout: TIMEOUT });
  // the visible text editor of the editor area (not the output panel)
  return page.locator('.editor-group-container.active .monaco-editor').first();
}

module.exports = { TIMEOUT, report, step, launch, screenshotFailure, lineNumberAt, openFile };
