// Drives VS Code (code-server) with no API keys anywhere, the way a new user starts:
//
// - scenario "keyless": click "▶ Run remotely" on a failing file; the run goes to the local
//   sandbox the server starts itself, the squiggle lands on the raising line, the status bar
//   says "exit 1", and one toast says that the run was local and how to add keys;
// - scenario "actions": with `unsandbox.backend` = "hosted", the run fails with one sentence and
//   the buttons "Open settings", "Use the local sandbox", "Show log"; "Open settings" opens the
//   settings editor, "Show log" opens the run's log, and "Use the local sandbox" makes the next
//   run work locally.
//
// Started by tests/editors/test_vscode_keyless.py, which starts code-server and makes the
// assertions; this script prints one JSON object of what it saw as its last line, and exits 1 on
// a timeout. Environment: E2E_URL, E2E_SCENARIO, E2E_SCREENSHOT, E2E_CHROMIUM, NODE_PATH.
'use strict';

const {
  TIMEOUT,
  report,
  step,
  launch,
  screenshotFailure,
  lineNumberAt,
  openFile,
} = require('./e2e_common');

/**
 * Click "▶ Run remotely" until `outcome` appears: a click that lands while VS Code re-renders
 * the lenses (a refresh the server asked for) is lost.
 */
async function runUntil(editor, outcome) {
  for (let attempt = 1; ; attempt += 1) {
    const lens = editor.locator('.codelens-decoration a', { hasText: 'Run remotely' }).first();
    await lens.waitFor({ timeout: TIMEOUT });
    await lens.click();
    try {
      await outcome.waitFor({ timeout: 15000 });
      return;
    } catch (error) {
      if (attempt === 3) {
        throw error;
      }
      process.stderr.write(`nothing 15 s after a lens click (attempt ${attempt}); again\n`);
    }
  }
}

async function squiggleLine(editor) {
  const squiggle = editor.locator('.squiggly-error').first();
  await squiggle.waitFor({ timeout: TIMEOUT });
  return lineNumberAt(editor, await squiggle.boundingBox());
}

async function buttonsOf(toast) {
  const buttons = toast.locator('.monaco-button');
  const titles = [];
  for (let i = 0; i < (await buttons.count()); i += 1) {
    titles.push((await buttons.nth(i).innerText()).trim());
  }
  return titles;
}

async function keyless(page) {
  step('open failing.py and run it');
  const editor = await openFile(page, 'failing.py');
  await runUntil(editor, editor.locator('.squiggly-error').first());
  report.squiggleLine = await squiggleLine(editor);
  const status = page.locator('.statusbar-item', { hasText: /exit 1/ }).first();
  await status.waitFor({ timeout: TIMEOUT });
  report.statusBar = (await status.innerText()).trim();
  // the notice is in the output channel (and the status bar), not in a second toast
  const output = page.locator('.part.panel .monaco-editor .view-lines').first();
  const deadline = Date.now() + TIMEOUT;
  report.notice = '';
  while (Date.now() < deadline && !report.notice.includes('[Note]')) {
    await page.waitForTimeout(250);
    report.notice = (await output.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
  }
  await page.waitForTimeout(800); // a toast slides in
  await page.screenshot({ path: process.env.E2E_SCREENSHOT });
  report.toasts = await page.locator('.notification-toast').allInnerTexts();
  report.ok = true;
}

async function actions(page) {
  step('open failing.py and run it (hosted, no keys)');
  const editor = await openFile(page, 'failing.py');
  const failure = () =>
    page.locator('.notification-toast', { hasText: 'no API keys found' }).first();
  await runUntil(editor, failure());
  await page.waitForTimeout(800);
  report.failureToast = (await failure().innerText()).trim();
  report.buttons = await buttonsOf(failure());
  await page.screenshot({ path: process.env.E2E_SCREENSHOT });

  step('Open settings');
  await failure().locator('.monaco-button', { hasText: 'Open settings' }).click();
  const settings = page.locator('.settings-editor').first();
  await settings.waitFor({ timeout: TIMEOUT });
  // the search the server asked for (machine-scoped settings such as Backend are in the Remote tab)
  await settings.locator('.setting-item-contents', { hasText: 'Unsandbox' }).first().waitFor();
  report.settingsSearch = (await settings.locator('.settings-header .view-lines').first().innerText())
    .replace(/\u00a0/g, ' ')
    .trim();
  // the tab shown: where the setting lives (Remote, in code-server)
  report.settingsTab = (
    await settings.locator('.settings-tabs-widget .action-label.checked').first().innerText()
  ).trim();

  step('run again, Show log');
  const back = await openFile(page, 'failing.py');
  await runUntil(back, failure());
  await failure().locator('.monaco-button', { hasText: 'Show log' }).click();
  const logTab = page.locator('.tabs-container .tab', { hasText: /\.log/ }).first();
  await logTab.waitFor({ timeout: TIMEOUT });
  report.logTab = (await logTab.innerText()).trim();

  step('run again, Use the local sandbox');
  const third = await openFile(page, 'failing.py');
  await runUntil(third, failure());
  await failure().locator('.monaco-button', { hasText: 'Use the local sandbox' }).click();
  const switched = page.locator('.notification-toast', { hasText: 'local sandbox' }).last();
  await page
    .locator('.notification-toast', { hasText: 'now go to the local sandbox' })
    .first()
    .waitFor({ timeout: TIMEOUT });
  report.switched = (await switched.innerText()).trim();

  step('run locally');
  await runUntil(third, third.locator('.squiggly-error').first());
  report.squiggleLine = await squiggleLine(third);
  report.ok = true;
}

async function main() {
  const { browser, page } = await launch({ width: 1400, height: 900 });
  try {
    await page.goto(process.env.E2E_URL);
    if (process.env.E2E_SCENARIO === 'actions') {
      await actions(page);
    } else {
      await keyless(page);
    }
  } catch (error) {
    report.failure = error instanceof Error ? error.stack || error.message : String(error);
    await screenshotFailure(page);
  } finally {
    await browser.close();
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(report.ok ? 0 : 1);
}

main();
