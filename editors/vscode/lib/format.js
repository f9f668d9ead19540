// @ts-check
// Text shown for a run: the output channel's block and the status-bar item. Pure functions, no
// `vscode` import, so that `node --test` checks them without an editor.
'use strict';

const { pathToFileURL } = require('url');

/**
 * @typedef {{filename?: string, path?: string, size?: number}} Artifact
 * @typedef {{
 *   uri?: string, language?: string | null, kind?: string, status?: string,
 *   exitCode?: number | null, durationMs?: number | null, stdout?: string, stderr?: string,
 *   artifacts?: Artifact[], jobId?: string | null, logPath?: string | null,
 *   summary?: string | null, error?: string | null, streamed?: boolean, runId?: string,
 *   notice?: string | null
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

/**
 * `420` → `0.4 s`, `12345` → `12 s`, `125000` → `2 min 5 s`: the server's summary durations.
 * @param {number | null | undefined} ms
 */
function seconds(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    return '';
  }
  const secs = ms / 1000;
  if (secs < 10) {
    return secs >= 0.1 ? `${secs.toFixed(1)} s` : `${secs.toFixed(2)} s`;
  }
  if (secs < 120) {
    return `${Math.round(secs)} s`;
  }
  return `${Math.floor(secs / 60)} min ${Math.floor(secs % 60)} s`;
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

/**
 * Terminal escape sequences (colours, cursor moves, titles) that an output channel would show as
 * raw `␛[31m`. The run's stdout/stderr in runFinished and the log file keep them.
 */
const ANSI = new RegExp(
  [
    '\u001b\\[[0-?]*[ -/]*[@-~]', // CSI: colours, cursor moves, erase
    '\u001b\\][^\u0007\u001b]*(?:\u0007|\u001b\\\\)', // OSC: titles, hyperlinks
    '\u001b[PX^_][^\u001b]*\u001b\\\\', // DCS, SOS, PM, APC strings
    '\u001b[ -/]*[0-~]', // other escapes: ESC ( B, ESC 7, ESC =
    '\u009b[0-?]*[ -/]*[@-~]', // 8-bit CSI
  ].join('|'),
  'g',
);

/** The text without terminal escape sequences. @param {string} text */
function stripAnsi(text) {
  return text.replace(ANSI, '');
}

/** The file name a URI ends with. @param {string | undefined} uri */
function fileName(uri) {
  const path = displayPath(uri);
  return path.split('/').pop() || path;
}

/**
 * The lines written when a run starts (unsandbox/runStarted): `[Running] main.py · python`.
 * @param {{uri?: string, language?: string | null, kind?: string}} run
 */
function startBlock(run) {
  const parts = [fileName(run.uri) || 'buffer', run.language || 'unknown language'];
  if (run.kind && run.kind !== 'file') {
    parts.push(run.kind);
  }
  let text = `[Running] ${parts.join(' · ')}\n`;
  const file = displayPath(run.uri);
  if (file) {
    text += `[File] ${file}\n`;
  }
  return text;
}

/** Ensure text ends with one newline (an empty string stays empty). @param {string} text */
function withNewline(text) {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * `[Done] exit 1 in 0.3 s · orders.py`: how the run ended, how long it took, which file. The
 * error itself is in the output above it (or on the `[Error]` line), said once.
 * @param {RunFinished} run
 */
function doneLine(run) {
  const took = seconds(run.durationMs);
  let how;
  if (cancelled(run)) {
    how = took ? `cancelled after ${took}` : 'cancelled';
  } else if (run.status === 'timeout') {
    how = took ? `timed out after ${took}` : 'timed out';
  } else if (run.error) {
    how = 'not run';
  } else if (typeof run.exitCode === 'number') {
    how = took ? `exit ${run.exitCode} in ${took}` : `exit ${run.exitCode}`;
  } else {
    how = run.status || 'finished';
  }
  const parts = [how, fileName(run.uri) || 'buffer'];
  if (run.kind && run.kind !== 'file') {
    parts.push(run.kind);
  }
  return `[Done] ${parts.join(' · ')}`;
}

/** A local path as a `file://` URI, which the output channel links even with spaces. */
function fileUri(/** @type {string} */ path) {
  try {
    return pathToFileURL(path).href;
  } catch {
    return path;
  }
}

/**
 * What the output channel gets when a run finishes: its output without escape sequences
 * (unless it was shown piece by piece already: `streamed`), then `[Done] …`, then the log's
 * `file://` URI on its own line. A run whose runStarted was not seen (cancelled before it
 * began) gets its `[Running]` lines here.
 * @param {RunFinished} run
 * @param {boolean} [started] whether startBlock(run) was written when it started
 * @param {boolean} [openLine] whether the streamed output ended inside a line
 */
function outputBlock(run, started = false, openLine = false) {
  let text = started ? '' : startBlock(run);
  if (openLine) {
    text += '\n';
  }
  if (run.error && !cancelled(run)) {
    text += withNewline(`[Error] ${run.error}`);
  }
  if (!run.streamed) {
    text += withNewline(stripAnsi(run.stdout || ''));
    text += withNewline(stripAnsi(run.stderr || ''));
  }
  for (const artifact of run.artifacts || []) {
    const size = typeof artifact.size === 'number' ? ` (${artifact.size} bytes)` : '';
    text += `[Artifact] ${fileUri(artifact.path || artifact.filename || '')}${size}\n`;
  }
  text += `${doneLine(run)}\n`;
  if (run.logPath) {
    text += `[Log] ${fileUri(run.logPath)}\n`;
  }
  if (run.notice) {
    text += `[Note] ${run.notice}\n`;
  }
  return `${text}\n`;
}

/**
 * What the output channel gets of a running program's output (`unsandbox/runOutput`), as it
 * comes: stdout's new text, then stderr's, without escape sequences.
 * @param {{stdout?: string, stderr?: string}} piece
 */
function outputPiece(piece) {
  return stripAnsi(piece.stdout || '') + stripAnsi(piece.stderr || '');
}

/**
 * Text and tooltip of the status-bar item once a run has finished.
 * @param {RunFinished} run
 * @returns {{text: string, tooltip: string, error: boolean}}
 */
function statusItem(run) {
  const icon = cancelled(run) ? '$(circle-slash)' : failed(run) ? '$(error)' : '$(check)';
  const duration = formatDuration(run.durationMs);
  const text = run.error && !cancelled(run) ? `${icon} not run` : `${icon} ${outcome(run)}${duration ? ` · ${duration}` : ''}`;
  const tooltip = `unsandbox: ${run.summary || headerLine(run).replace('[Running] ', '')} — click for the output`;
  return { text, tooltip, error: failed(run) };
}

module.exports = {
  seconds,
  doneLine,
  fileUri,
  outputPiece,
  formatDuration,
  outcome,
  cancelled,
  failed,
  headerLine,
  displayPath,
  stripAnsi,
  startBlock,
  outputBlock,
  statusItem,
};
