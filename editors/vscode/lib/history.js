// @ts-check
// The run history in VS Code: "unsandbox: Show Run History" (a quick pick of the file's runs,
// opening the chosen run's log) and "unsandbox: Compare the Last Two Runs" (VS Code's diff editor
// on the outputs of the file's last two runs). Both ask the language server, through the
// commands vscode-languageclient registered for it: unsandbox.history and unsandbox.diffLastRun.
'use strict';

const vscode = require('vscode');
const { pickItems, diffTitle } = require('./history-format');

const SCHEME = 'unsandbox-run';

/** Read-only documents holding one run's output, for the diff editor. */
class OutputDocuments {
  constructor() {
    /** @type {Map<string, string>} */
    this.texts = new Map();
  }

  /** @param {vscode.Uri} uri */
  provideTextDocumentContent(uri) {
    return this.texts.get(uri.toString()) ?? '';
  }

  /**
   * @param {string} which 'previous' | 'latest'
   * @param {any} run a history record with its output
   */
  put(which, run) {
    const name = String(run.file ?? 'output').split(/[\\/]/).pop();
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${run.runId ?? which}/${which}/${name}.log` });
    this.texts.set(uri.toString(), String(run.output ?? ''));
    return uri;
  }
}

/** @returns {vscode.Uri | undefined} */
function activeUri() {
  return vscode.window.activeTextEditor?.document.uri;
}

/**
 * @param {unknown} resource
 * @returns {vscode.Uri | undefined}
 */
function targetUri(resource) {
  return resource instanceof vscode.Uri ? resource : activeUri();
}

/**
 * @param {vscode.ExtensionContext} context
 * @param {() => Promise<boolean>} ensureClient
 */
function registerHistoryCommands(context, ensureClient) {
  const documents = new OutputDocuments();

  /** @param {unknown} resource */
  async function showHistory(resource) {
    const uri = targetUri(resource);
    if (!(await ensureClient())) {
      return;
    }
    /** @type {any[]} */
    const runs = (await vscode.commands.executeCommand('unsandbox.history', uri ? uri.toString() : undefined)) ?? [];
    if (runs.length === 0) {
      void vscode.window.showInformationMessage('unsandbox: no runs of this file in the history yet.');
      return;
    }
    const picked = await vscode.window.showQuickPick(pickItems(runs), {
      title: 'unsandbox: run history',
      placeHolder: 'Pick a run to open its log',
      matchOnDescription: true,
    });
    if (!picked) {
      return;
    }
    if (!picked.run.logPath) {
      void vscode.window.showWarningMessage(`unsandbox: this run left no log: ${picked.run.summary ?? ''}`);
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(picked.run.logPath), { preview: false });
  }

  /** @param {unknown} resource */
  async function diffLastRun(resource) {
    const uri = targetUri(resource);
    if (!uri) {
      void vscode.window.showWarningMessage('unsandbox: open a file that ran twice to compare its runs.');
      return;
    }
    if (!(await ensureClient())) {
      return;
    }
    /** @type {any} */
    const answer = await vscode.commands.executeCommand('unsandbox.diffLastRun', uri.toString());
    if (!answer || answer.error || !answer.latest) {
      // the server has shown why (window/showMessage)
      return;
    }
    const left = documents.put('previous', answer.previous);
    const right = documents.put('latest', answer.latest);
    await vscode.commands.executeCommand('vscode.diff', left, right, diffTitle(uri.path, answer.change));
  }

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, documents),
    vscode.commands.registerCommand('unsandbox.showRunHistory', showHistory),
    vscode.commands.registerCommand('unsandbox.diffLastRuns', diffLastRun),
  );
}

module.exports = { registerHistoryCommands };
