// Drives VS Code (code-server) in Debian's chromium with playwright-core, the way a user does:
// open a failing Python file, click the "Run remotely" lens, read the "Unsandbox" output channel
// and the error squiggle; hover a Rust type error; run a program printing colours; then run a long
// program and press Cancel in its progress notification.
//
// Started by tests/editors/test_vscode_e2e.py, which starts code-server and makes the assertions;
// this script prints one JSON object of what it saw as its last line, and exits 1 on a timeout.
//
// Environment: E2E_URL (code-server's address with ?folder=…), E2E_SCREENSHOT (PNG path),
// E2E_CHROMIUM (browser binary), NODE_PATH (where playwright-core is installed).
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

/** Click the code lens of the active editor whose text contains `text`. */
async function clickLens(editor, text) {
  const lens = editor.locator('.codelens-decoration a', { hasText: text }).first();
  await lens.waitFor({ timeout: TIMEOUT });
  await lens.click();
}

/**
 * Wait until the output panel shows a line matching `pattern`; returns the text looked at.
 * Only the lines in view are in the page, and the channel keeps every run's block, so the
 * top and the last few screens (from the end, paging up) are each looked at.
 */
async function waitOutput(page, pattern, timeout = TIMEOUT) {
  const view = page.locator('.part.panel .monaco-editor .view-lines').first();
  // click inside the visible part of the output editor, not the middle of its whole text
  const viewport = page.locator('.part.panel .monaco-editor .overflow-guard').first();
  await view.waitFor({ timeout });
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    for (const keys of [['Control+Home'], ['Control+End'], ['PageUp'], ['PageUp']]) {
      await viewport.click({ position: { x: 40, y: 10 } });
      for (const key of keys) {
        await page.keyboard.press(key);
      }
      await page.waitForTimeout(150);
      text = (await view.innerText()).replace(/\u00a0/g, ' ');
      if (pattern.test(text)) {
        return text;
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`the output panel never showed ${pattern}; last seen:\n${text}`);
}

/** `tryOnce(attempt)` until it resolves, at most `times` times; says on stderr why it tries again. */
async function retry(times, why, tryOnce) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await tryOnce(attempt);
    } catch (error) {
      if (attempt === times) {
        throw error;
      }
      process.stderr.write(`${why} (attempt ${attempt}); trying again\n`);
    }
  }
}

/**
 * Click the "Run remotely" lens until the run shows its "Cancel" lens: a click that lands
 * while VS Code re-renders the lenses (a refresh the server asked for) is lost.
 */
async function startRun(editor) {
  // `$(debug-stop) Cancel`: the codicon is an empty span, so the text is " Cancel"
  const cancel = editor.locator('.codelens-decoration a', { hasText: /\bCancel\b/ }).first();
  return retry(3, 'no Cancel lens 10 s after a click', async (attempt) => {
    await clickLens(editor, 'Run remotely');
    await cancel.waitFor({ timeout: 10000 });
    return { cancel, attempt };
  });
}

/** Put the cursor on the first error squiggle and open its hover; the hover's text. */
async function hoverSquiggle(page, editor, text) {
  const squiggle = editor.locator('.squiggly-error').first();
  await squiggle.waitFor({ timeout: TIMEOUT });
  // the squiggle lies under the text layer: click at its place, then ask for the hover
  const box = await squiggle.boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  const hover = page.locator('.monaco-hover', { hasText: text }).first();
  await hover.waitFor({ timeout: TIMEOUT });
  return (await hover.innerText()).trim();
}

/** The server command does not exist: the extension says how to install it. */
async function missingServer(page) {
  step('wait for the error toast');
  const toast = page.locator('.notification-toast', { hasText: 'pip install unsandbox-ls' }).first();
  await toast.waitFor({ timeout: TIMEOUT });
  report.toast = (await toast.innerText()).trim();
  await page.screenshot({ path: process.env.E2E_SCREENSHOT });
  report.ok = true;
}

/** Run a command from the palette (F1) by its title. */
async function runPalette(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input').first();
  await input.waitFor({ timeout: TIMEOUT });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: TIMEOUT });
  await row.click(); // the row itself: Enter takes whichever row is highlighted
}

/** Run failing.py with its lens until the output channel shows `pattern`. */
async function runUntil(page, editor, pattern) {
  return retry(3, 'no output 15 s after a click', async (attempt) => {
    await clickLens(editor, 'Run remotely');
    return waitOutput(page, pattern, attempt === 3 ? TIMEOUT : 15000);
  });
}

/** Two runs of failing.py with different output, then the history quick pick and the diff. */
async function history(page) {
  const fs = require('fs');
  const path = require('path');
  const file = path.join(process.env.E2E_WORKSPACE, 'failing.py');
  step('open failing.py and run it');
  const editor = await openFile(page, 'failing.py');
  await runUntil(page, editor, /\[Done\]\s+exit 1 in .*· failing\.py/);
  step('change failing.py on disk and run it again');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"pear"', '"apple"'));
  await editor.locator('.view-lines', { hasText: '"apple"' }).first().waitFor({ timeout: TIMEOUT });
  await runUntil(page, editor, /\[Done\]\s+exit 0 in .*· failing\.py/);

  step('unsandbox: Show Run History');
  await runPalette(page, 'unsandbox: Show Run History');
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.nth(1).waitFor({ timeout: TIMEOUT });
  report.historyTitle = (await page.locator('.quick-input-title').first().innerText()).trim();
  report.historyItems = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  await rows.filter({ hasText: 'exit 1' }).first().click(); // the older, failed run
  const logTab = page.locator('.tabs-container .tab.active', { hasText: /\.log/ }).first();
  await logTab.waitFor({ timeout: TIMEOUT });
  report.logTab = (await logTab.innerText()).trim();
  const logEditor = page.locator('.editor-group-container.active .monaco-editor').first();
  await logEditor.locator('.view-lines', { hasText: "KeyError: 'pear'" }).first().waitFor({ timeout: TIMEOUT });
  report.logShowsError = true;

  step('unsandbox: Compare the Last Two Runs');
  await openFile(page, 'failing.py');
  await runPalette(page, 'unsandbox: Compare the Last Two Runs');
  const diff = page.locator('.editor-group-container.active .monaco-diff-editor').first();
  await diff.waitFor({ timeout: TIMEOUT });
  const diffTab = page.locator('.tabs-container .tab.active', { hasText: 'failing.py' }).first();
  await diffTab.waitFor({ timeout: TIMEOUT });
  report.diffTab = (await diffTab.innerText()).trim();
  report.diffTabTitle = await diffTab.getAttribute('aria-label');
  const modified = diff.locator('.editor.modified .view-lines').first();
  await modified.locator('.view-line', { hasText: /^3$/ }).first().waitFor({ timeout: TIMEOUT });
  report.diffModified = (await modified.innerText()).replace(/\u00a0/g, ' ');
  report.diffOriginal = (await diff.locator('.editor.original .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
  report.diffInserted = await diff.locator('.line-insert, .char-insert').count();
  report.diffDeleted = await diff.locator('.line-delete, .char-delete').count();
  await page.waitForTimeout(500);
  await page.screenshot({ path: process.env.E2E_SCREENSHOT });
  step('done');
  report.ok = true;
}

/** "Run File with Arguments…" from the palette: the input box, the run, the remembered value. */
async function runWithArguments(page) {
  step('open args.py');
  const editor = await openFile(page, 'args.py');
  await editor.locator('.view-lines', { hasText: 'argv' }).first().waitFor({ timeout: TIMEOUT });
  step('unsandbox: Run File with Arguments…');
  await runPalette(page, 'unsandbox: Run File with Arguments');
  const box = page.locator('.quick-input-widget input').first();
  await page.locator('.quick-input-title', { hasText: 'Run args.py with arguments' }).first()
    .waitFor({ timeout: TIMEOUT });
  report.firstValue = await box.inputValue();
  await box.fill("7 'a b'");
  await page.screenshot({ path: process.env.E2E_SCREENSHOT });
  await page.keyboard.press('Enter');
  report.argsOutput = await waitOutput(page, /argv: args\.py \| 7 \| a b[^]*\[Done\]\s+exit 0 in .*· args\.py/);
  step('again: the box holds the remembered arguments; Escape runs nothing');
  await editor.click(); // back in the file, as after reading the output
  await runPalette(page, 'unsandbox: Run File with Arguments');
  await page.locator('.quick-input-title', { hasText: 'Run args.py with arguments' }).first()
    .waitFor({ timeout: TIMEOUT });
  report.secondValue = await box.inputValue();
  await page.keyboard.press('Escape');
  await page.waitForTimeout(1500);
  report.toasts = await page.locator('.notification-toast').allInnerTexts();
  step('done');
  report.ok = true;
}

async function main() {
  const { browser, page } = await launch({ width: 1280, height: 800 });
  try {
    page.setDefaultTimeout(TIMEOUT);
    step('load');
    await page.goto(process.env.E2E_URL, { timeout: TIMEOUT });
    if (process.env.E2E_SCENARIO === 'missing-server') {
      await missingServer(page);
      return;
    }
    if (process.env.E2E_SCENARIO === 'history') {
      await history(page);
      return;
    }
    if (process.env.E2E_SCENARIO === 'arguments') {
      await runWithArguments(page);
      return;
    }

    // 1. The failing file, run with its code lens.
    step('open failing.py');
    const editor = await openFile(page, 'failing.py');
    step('click ▶ Run remotely');
    const clicked = Date.now();
    step('wait for the output channel');
    const failedRun = /\[Done\]\s+exit 1 in .*· failing\.py/;
    // failing.py ends too soon for its ⏹ Cancel lens to be seen: a click lost to a lens
    // refresh shows as no output, and is made again
    report.output = await retry(3, 'no output 15 s after a click', async (attempt) => {
      await clickLens(editor, 'Run remotely');
      return waitOutput(page, failedRun, attempt === 3 ? TIMEOUT : 15000);
    });
    report.runSeconds = (Date.now() - clicked) / 1000;
    // the start of the run's block (the [Done] and [Log] lines may push it out of the view)
    report.outputStart = await waitOutput(page, /\[Running\]\s+failing\.py[^]*looking up pear/);

    step('wait for the error squiggle');
    const squiggle = editor.locator('.squiggly-error').first();
    await squiggle.waitFor({ timeout: TIMEOUT });
    report.squiggleLine = await lineNumberAt(editor, await squiggle.boundingBox());
    const hint = editor.locator('.squiggly-hint').first();
    report.hintLine = (await hint.count()) ? await lineNumberAt(editor, await hint.boundingBox()) : null;

    const status = page.locator('.statusbar-item', { hasText: /exit 1/ }).first();
    await status.waitFor({ timeout: TIMEOUT });
    report.statusBar = (await status.innerText()).trim();

    const toast = page.locator('.notification-toast', { hasText: /exit 1/ }).first();
    await toast.waitFor({ timeout: TIMEOUT });
    report.toast = (await toast.innerText()).trim();
    // the result lens comes with the lens refresh after runFinished, which may trail the toast
    await editor
      .locator('.codelens-decoration', { hasText: /exit 1/ })
      .first()
      .waitFor({ timeout: TIMEOUT });
    report.lenses = await editor.locator('.codelens-decoration').allInnerTexts();
    report.lensIcons = await editor
      .locator('.codelens-decoration .codicon')
      .evaluateAll((icons) => icons.map((icon) => icon.className));

    step('screenshot');
    report.hover = await hoverSquiggle(page, editor, 'KeyError');
    await page.waitForTimeout(800); // the toast slides in
    await page.screenshot({ path: process.env.E2E_SCREENSHOT });

    // 2. A Rust type error: the hover keeps rustc's label.
    step('open mismatch.rs');
    const rustEditor = await openFile(page, 'mismatch.rs');
    await retry(3, 'no rustc output 30 s after a click', async (attempt) => {
      await clickLens(rustEditor, 'Run remotely');
      return waitOutput(page, /\[Done\]\s+.*· mismatch\.rs/, attempt === 3 ? TIMEOUT : 30000);
    });
    report.rustHover = await hoverSquiggle(page, rustEditor, 'mismatched types');

    // 3. 2,000 lines, colours and an error: the channel shows no escape sequences.
    step('open noisy.py');
    const noisyEditor = await openFile(page, 'noisy.py');
    report.noisyOutput = await retry(3, 'no output 15 s after a click', async (attempt) => {
      await clickLens(noisyEditor, 'Run remotely');
      return waitOutput(page, /\[Done\]\s+exit 1 in .*· noisy\.py/, attempt === 3 ? TIMEOUT : 15000);
    });

    // 4. A long program: [Running] shows at once; Cancel in its notification stops it.
    step('open long.py');
    const longEditor = await openFile(page, 'long.py');
    step('wait for the Cancel lens');
    const { attempt: runClicks } = await startRun(longEditor);
    report.runClicks = runClicks;
    report.runningOutput = await waitOutput(page, /\[Running\]\s+long\.py\s+·\s+python/);
    // what it printed before its 60 s sleep shows while it runs
    report.liveOutput = await waitOutput(page, /\[File\][^\n]*long\.py\s*\nstarted\s*(\n|$)/);
    const notification = page
      .locator('.notification-toast', { hasText: 'unsandbox: running long.py' })
      .first();
    await notification.waitFor({ timeout: TIMEOUT });
    report.notification = (await notification.innerText()).trim();
    await page.waitForTimeout(1500); // time for a $/progress report, if one were sent
    report.statusBarWhileRunning = await page.locator('.statusbar-item').allInnerTexts();
    const cancelButton = notification.locator('.monaco-button', { hasText: 'Cancel' }).first();
    await cancelButton.waitFor({ timeout: TIMEOUT });
    await page.waitForTimeout(500); // the toast slides in
    await page.screenshot({ path: process.env.E2E_SCREENSHOT.replace(/\.png$/, '-cancel.png') });
    const cancelClicked = Date.now();
    step('click Cancel in the notification');
    await cancelButton.click();
    step('wait for the cancelled run');
    report.cancelOutput = await waitOutput(page, /\[Done\]\s+cancelled after .*· long\.py/);
    report.cancelSeconds = (Date.now() - cancelClicked) / 1000;
    await notification.waitFor({ state: 'detached', timeout: TIMEOUT });
    const cancelledStatus = page.locator('.statusbar-item', { hasText: /cancelled/ }).first();
    await cancelledStatus.waitFor({ timeout: TIMEOUT });
    report.cancelStatusBar = (await cancelledStatus.innerText()).trim();

    // 5. The ▷ button of the editor title (the client-side unsandbox.runActiveFile).
    step('▷ in the editor title');
    await openFile(page, 'failing.py');
    const play = page
      .locator('.editor-group-container.active .editor-actions .action-item a[aria-label*="Run Active File Remotely"]')
      .first();
    await play.waitFor({ timeout: TIMEOUT });
    await play.click();
    await page.locator('.statusbar-item', { hasText: /exit 1/ }).first().waitFor({ timeout: TIMEOUT });
    report.titleButtonRun = true;

    // 6. A setting changed while VS Code runs reaches the server: with a ttl of 2 s in the
    // folder's .vscode/settings.json, long.py is stopped by the sandbox.
    step('ttl 2 in .vscode/settings.json');
    const fs = require('fs');
    const path = require('path');
    fs.mkdirSync(path.join(process.env.E2E_WORKSPACE, '.vscode'), { recursive: true });
    fs.writeFileSync(
      path.join(process.env.E2E_WORKSPACE, '.vscode', 'settings.json'),
      JSON.stringify({ 'unsandbox.ttl': 2 }, null, 2),
    );
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: '.vscode' }).first()
      .waitFor({ timeout: TIMEOUT });
    const longAgain = await openFile(page, 'long.py');
    // VS Code reads the new file and tells the server a moment after the explorer shows it: a
    // run started before then has no ttl (long.py sleeps 60 s), so it is cancelled and rerun.
    const ttlNotApplied = 'the run was still going after 10 s: ttl not applied yet';
    report.ttlAttempts = await retry(3, ttlNotApplied, async (attempt) => {
      const { cancel } = await startRun(longAgain);
      try {
        await cancel.waitFor({ state: 'detached', timeout: 10000 });
      } catch (error) {
        await cancel.click();
        await cancel.waitFor({ state: 'detached', timeout: TIMEOUT });
        throw error;
      }
      return attempt;
    });
    report.ttlOutput = await waitOutput(page, /\[Done\]\s+timed out after .*· long\.py/);
    step('done');
    report.ok = true;
  } catch (error) {
    await screenshotFailure(page);
    report.panelText = await page
      .locator('.part.panel')
      .first()
      .innerText({ timeout: 2000 })
      .catch(() => '');
    throw error;
  } finally {
    await browser.close();
  }
}

main()
  .catch((error) => {
    report.ok = false;
    report.failure = String(error && error.stack ? error.stack : error);
    process.exitCode = 1;
  })
  .finally(() => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  });
