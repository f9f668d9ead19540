// @ts-check
// Text of the run history in VS Code: quick pick items and the diff editor's title. Pure
// functions, no `vscode` import, so that `node --test` checks them without an editor.
'use strict';

/**
 * A record of `unsandbox.history` (see the README's "History" section).
 * @typedef {{
 *   when?: string, file?: string, uri?: string, kind?: string, language?: string | null,
 *   status?: string, exitCode?: number | null, durationMs?: number | null, jobId?: string | null,
 *   files?: string[], logPath?: string | null, summary?: string | null, source?: string,
 *   runId?: string
 * }} HistoryRecord
 */

/** @param {HistoryRecord} run */
function result(run) {
  return typeof run.exitCode === 'number' ? `exit ${run.exitCode}` : String(run.status ?? '?');
}

/** @param {HistoryRecord} run */
function failed(run) {
  return !(run.status === 'completed' && run.exitCode === 0);
}

/** `2026-01-02T03:04:05Z` → `2026-01-02 03:04:05`. @param {string | undefined} when */
function shortWhen(when) {
  return String(when ?? '').replace('T', ' ').replace(/Z$/, '');
}

/** @param {number | null | undefined} ms */
function seconds(ms) {
  return typeof ms === 'number' ? `${(ms / 1000).toFixed(2)} s` : '? s';
}

/** @param {string | undefined} file */
function baseName(file) {
  return String(file ?? '?').split(/[\\/]/).pop() || '?';
}

/** Where a run was started: `from the editor`, `from unsandbox-ls run`. @param {HistoryRecord} run */
function origin(run) {
  return run.source === 'cli' ? 'from unsandbox-ls run' : 'from the editor';
}

/**
 * One quick pick item per run (newest first); `run` is kept on the item. The description says
 * when, how long, what part of the file ran (unless the whole file) and where it was started.
 * @param {HistoryRecord[]} runs
 */
function pickItems(runs) {
  return runs.map((run) => ({
    label: `${failed(run) ? '$(error)' : '$(pass)'} ${baseName(run.file)} · ${result(run)}`,
    description: [
      shortWhen(run.when),
      seconds(run.durationMs),
      ...(run.kind && run.kind !== 'file' ? [run.kind] : []),
      origin(run),
    ].join(' · '),
    detail: run.logPath ? String(run.summary ?? run.logPath) : `${run.summary ?? ''} (no log)`,
    run,
  }));
}

/**
 * Title of the diff editor: `failing.py: exit 1 → exit 0 · 0.31 s → 0.28 s (-0.03 s)`.
 * @param {string} file
 * @param {string | undefined} change the server's change line
 */
function diffTitle(file, change) {
  return `${baseName(file)}: ${change ?? 'last two runs'}`;
}

module.exports = { pickItems, diffTitle, result, failed };
