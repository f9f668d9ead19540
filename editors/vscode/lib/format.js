// @ts-check
// Text shown for a run: the output channel's block and the status-bar item. Pure functions, no
// `vscode` import, so that `node --test` checks them without an editor.
'use strict';

/**
 * @typedef {{filename?: string, path?: string, size?: number}} Artifact
 * @typedef {{
 *   uri?: string, language?: string | null, kind?: string, status?: string,
 *   exitCode?: number | null, durationMs?: number | null, stdout?: string, stderr?: string,
 *   artifacts?: Artifact[], jobId?: string | null, logPath?: string | null,
 *   summary?: string | null, error?: string | null
 * }} RunFinished
 */

/** `420` → `0.42 s`, `65000` → `65 s`. @param {number | null | undefined} ms */
function formatDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    return '';
  }
  const seconds = ms / 1000;
  if (seconds < 10) {
    return `${seconds.toFixed(2)} s`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  return `${Math.round(seconds)} s`;
}

/** `exit 1`, `cancelled`, `timed out`… @param {RunFinished} run */
function outcome(run) {
  switch (run.status) {
    case 'cancelled':
      return 'cancelled';
    case 'timeout':
      return 'timed out';
    default:
      if (run.error) {
        return 'error';
      }
      return typeof run.exitCode === 'number' ? `exit ${run.exitCode}` : run.status || 'finished';
  }
}

/** True when the user cancelled the run. @param {RunFinished} run */
function cancelled(run) {
  return run.status === 'cancelled';
}

/** True when the run did not end with exit code 0 (a cancelled run is not a failure). */
function failed(/** @type {RunFinished} */ run) {
  return !cancelled(run) && (Boolean(run.error) || run.exitCode !== 0);
}

/** `[Running] python · exit 1 · 0.42 s` @param {RunFinished} run */
function headerLine(run) {
  const parts = [run.language || 'unknown language', outcome(run)];
  const duration = formatDuration(run.durationMs);
  if (duration) {
    parts.push(duration);
  }
  if (run.kind && run.kind !== 'file') {
    parts.push(run.kind);
  }
  return `[Running] ${parts.join(' · ')}`;
}

/** The file a URI names, for display. @param {string | undefined} uri */
function displayPath(uri) {
  if (!uri) {
    return '';
  }
  if (uri.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(uri).pathname);
    } catch {
      return uri;
    }
  }
  return uri;
}

/** Ensure text ends with one newline (an empty string stays empty). @param {string} text */
function withNewline(text) {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * The whole block appended to the output channel for one finished run.
 * @param {RunFinished} run
 */
function outputBlock(run) {
  let text = `${headerLine(run)}\n`;
  const file = displayPath(run.uri);
  if (file) {
    text += `[File] ${file}\n`;
  }
  if (run.error && !cancelled(run)) {
    text += withNewline(`[Error] ${run.error}`);
  }
  text += withNewline(run.stdout || '');
  text += withNewline(run.stderr || '');
  for (const artifact of run.artifacts || []) {
    const size = typeof artifact.size === 'number' ? ` (${artifact.size} bytes)` : '';
    text += `[Artifact] ${artifact.path || artifact.filename}${size}\n`;
  }
  const tail = [];
  if (run.summary) {
    tail.push(run.summary);
  }
  if (run.jobId) {
    tail.push(`job ${run.jobId}`);
  }
  if (run.logPath) {
    tail.push(`log ${run.logPath}`);
  }
  text += `[Done] ${tail.length ? tail.join(' · ') : outcome(run)}\n\n`;
  return text;
}

/**
 * Text and tooltip of the status-bar item once a run has finished.
 * @param {RunFinished} run
 * @returns {{text: string, tooltip: string, error: boolean}}
 */
function statusItem(run) {
  const icon = cancelled(run) ? '$(circle-slash)' : failed(run) ? '$(error)' : '$(check)';
  const duration = formatDuration(run.durationMs);
  const text = `${icon} ${outcome(run)}${duration ? ` · ${duration}` : ''}`;
  const tooltip = `unsandbox: ${run.summary || headerLine(run).replace('[Running] ', '')} — click for the output`;
  return { text, tooltip, error: failed(run) };
}

module.exports = { formatDuration, outcome, cancelled, failed, headerLine, displayPath, outputBlock, statusItem };
