// @ts-check
// One notification per run with a Cancel button: started on unsandbox/runStarted, closed on
// unsandbox/runFinished; Cancel runs the server's unsandbox.cancel for the run's file.
//
// vscode-languageclient would show the server's $/progress only as status-bar text, so the
// extension tells the server it does not take window/workDoneProgress (see extension.js) and
// shows this notification instead: one progress display per run, not two.
'use strict';

/** said while a job runs whose output the API does not show before the end (as the server) */
const OUTPUT_AT_THE_END = 'output comes when the run ends';

/**
 * @typedef {{uri?: string, runId?: string, language?: string | null, kind?: string}} RunStarted
 * @typedef {{report: (value: {message?: string}) => void}} Progress
 * @typedef {{onCancellationRequested: (listener: () => unknown) => unknown}} Token
 * @typedef {{
 *   withProgress: (
 *     options: {location: unknown, title: string, cancellable: boolean},
 *     task: (progress: Progress, token: Token) => Promise<void>,
 *   ) => unknown,
 * }} Window
 */

class RunProgress {
  /**
   * @param {Window} window vscode.window (or a stand-in in unit tests)
   * @param {unknown} location vscode.ProgressLocation.Notification
   * @param {(uri: string) => unknown} cancel asks the server to cancel the run of `uri`
   */
  constructor(window, location, cancel) {
    this.window = window;
    this.location = location;
    this.cancel = cancel;
    /** @type {Map<string, {close: () => void, closed: boolean, later: boolean}>} runId → its notification */
    this.runs = new Map();
  }

  /** Open the run's notification. @param {RunStarted} run @param {string} name */
  start(run, name) {
    const id = run.runId;
    if (!id || this.runs.has(id)) {
      return;
    }
    /** @type {{close: () => void, closed: boolean, later: boolean}} */
    const entry = { close: () => undefined, closed: false, later: false };
    this.runs.set(id, entry);
    const what = [name, run.language, run.kind && run.kind !== 'file' ? run.kind : null]
      .filter(Boolean)
      .join(' · ');
    const began = Date.now();
    void this.window.withProgress(
      { location: this.location, title: `unsandbox: running ${what}`, cancellable: true },
      (progress, token) =>
        new Promise((resolve) => {
          const timer = setInterval(() => {
            const elapsed = `${Math.round((Date.now() - began) / 1000)} s`;
            progress.report({ message: entry.later ? `${elapsed} · ${OUTPUT_AT_THE_END}` : elapsed });
          }, 1000);
          entry.close = () => {
            clearInterval(timer);
            resolve();
          };
          if (entry.closed) {
            entry.close();
            return;
          }
          token.onCancellationRequested(() => {
            if (!entry.closed && run.uri) {
              void this.cancel(run.uri);
            }
          });
        }),
    );
  }

  /** The API shows no output before the run ends: the notification says so. @param {string} id */
  outputAtTheEnd(id) {
    const entry = this.runs.get(id);
    if (entry) {
      entry.later = true;
    }
  }

  /** Close the run's notification. @param {{runId?: string}} run */
  finish(run) {
    const entry = run.runId ? this.runs.get(run.runId) : undefined;
    if (!entry || !run.runId) {
      return;
    }
    this.runs.delete(run.runId);
    entry.closed = true;
    entry.close();
  }

  /** Close every notification (the server stopped). */
  clear() {
    for (const id of [...this.runs.keys()]) {
      this.finish({ runId: id });
    }
  }
}

module.exports = { RunProgress };
