// @ts-check
// VS Code client of unsandbox-ls: starts the language server over stdio and shows each run's
// result in the "Unsandbox" output channel and the status bar; a notification with a Cancel
// button stays open while a run goes on.
//
// The server's own commands (unsandbox.runFile, unsandbox.cancel, …) are registered by
// vscode-languageclient from the server's executeCommandProvider; registering them here again
// would throw "command already exists". The commands below have their own ids and call those.
'use strict';

const vscode = require('vscode');
const { LanguageClient, RevealOutputChannelOn, State } = require('vscode-languageclient/node');
const { outputBlock, outputPiece, startBlock, statusItem, failed } = require('./lib/format');
const { findLinks } = require('./lib/links');
const { RunProgress } = require('./lib/run-progress');
const { registerHistoryCommands } = require('./lib/history');
const { argumentsMiddleware } = require('./lib/arguments');
const {
  INSTALL_LINE,
  commandWords,
  notFoundMessage,
  resolveServerCommand,
} = require('./lib/server-command');

const SECTION = 'unsandbox';

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel} */
let runOutput;
/** @type {vscode.OutputChannel} */
let serverLog;
/** @type {vscode.StatusBarItem} */
let statusBar;
/** runId → file name of the runs in flight */
const running = new Map();
/** runIds whose `[Running]` lines are in the output channel already */
const announced = new Set();
/** runIds whose output so far ends inside a line */
const openLine = new Set();
/** the language of the output channel, whose links lib/links.js finds */
const OUTPUT_LANGUAGE = 'unsandbox-output';
/** @type {RunProgress} */
let runProgress;
/** the keyless notice of this session, once said (runFinished.notice) */
let notice = '';

/**
 * A client feature that only adds to the capabilities the client announces.
 * @param {(capabilities: import('vscode-languageclient').ClientCapabilities) => void} fill
 * @returns {import('vscode-languageclient').StaticFeature}
 */
function staticFeature(fill) {
  return {
    fillClientCapabilities: fill,
    initialize() {},
    getState() {
      return { kind: 'static' };
    },
    clear() {},
  };
}

/**
 * What this client does itself, told to the server:
 * - no window/workDoneProgress: vscode-languageclient would show it only as status-bar text, and
 *   the extension shows each run as a notification with a Cancel button (lib/run-progress.js);
 * - `unsandbox.openSettings`: it opens its settings on `unsandbox/openSettings`, so failure
 *   messages may carry an "Open settings" button;
 * - `unsandbox.notices`: it shows runFinished's `notice` in the output and the status bar, so the
 *   server sends no toast of its own for it;
 * - `unsandbox.arguments`: "Run with arguments…" asks for them in an input box (lib/arguments.js),
 *   so the server does not tell the user how to give them.
 */
const extensionFeatures = staticFeature((capabilities) => {
  capabilities.window = { ...capabilities.window, workDoneProgress: false };
  capabilities.experimental = {
    ...(capabilities.experimental ?? {}),
    unsandbox: { openSettings: true, notices: true, arguments: true },
  };
});

/** The `unsandbox` settings as a plain object, sent as initializationOptions. */
function currentSettings() {
  const config = vscode.workspace.getConfiguration(SECTION);
  /** @type {Record<string, unknown>} */
  const settings = {};
  for (const key of Object.keys(config)) {
    const value = config.get(key);
    if (typeof value !== 'function' && key !== 'serverCommand' && key !== 'revealOutputChannel') {
      settings[key] = value;
    }
  }
  return settings;
}

/** @param {string} uri */
function baseName(uri) {
  try {
    return vscode.Uri.parse(uri).path.split('/').pop() || uri;
  } catch {
    return uri;
  }
}

function showRunning() {
  if (running.size === 0) {
    return;
  }
  const names = [...running.values()];
  statusBar.text = `$(sync~spin) unsandbox: ${names.length === 1 ? names[0] : `${names.length} runs`}`;
  statusBar.tooltip = 'unsandbox: running remotely — click for the output';
  statusBar.backgroundColor = undefined;
  statusBar.show();
}

/** @param {any} params */
function onRunStarted(params) {
  const name = baseName(String(params.uri ?? ''));
  running.set(params.runId ?? params.uri, name);
  showRunning();
  runOutput.append(startBlock(params));
  if (params.runId !== undefined) {
    announced.add(params.runId);
  }
  if (vscode.workspace.getConfiguration(SECTION).get('revealOutputChannel', 'always') === 'always') {
    runOutput.show(true);
  }
  runProgress.start(params, name);
}

/**
 * `unsandbox/runOutput`: what a running program printed since the last piece, appended as it
 * comes; `live: false` says the API shows no output before the end.
 * @param {{runId?: string, stdout?: string, stderr?: string, live?: boolean}} piece
 */
function onRunOutput(piece) {
  const id = String(piece.runId ?? '');
  if (piece.live === false) {
    runProgress.outputAtTheEnd(id);
  }
  const text = outputPiece(piece);
  if (text) {
    runOutput.append(text);
    if (text.endsWith('\n')) {
      openLine.delete(id);
    } else {
      openLine.add(id);
    }
  }
}

/** @param {import('./lib/format').RunFinished} run */
function onRunFinished(run) {
  const id = String(run.runId ?? '');
  running.delete(id);
  runProgress.finish(run);
  runOutput.append(outputBlock(run, announced.delete(id), openLine.delete(id)));
  const reveal = vscode.workspace.getConfiguration(SECTION).get('revealOutputChannel', 'always');
  if (reveal === 'always' || (reveal === 'onError' && failed(run))) {
    runOutput.show(true);
  }
  const item = statusItem(run);
  if (run.notice) {
    notice = run.notice;
  }
  statusBar.text = notice && !run.error ? `${item.text} · local sandbox` : item.text;
  statusBar.tooltip = notice ? `${item.tooltip}\n${notice}` : item.tooltip;
  statusBar.backgroundColor = item.error
    ? new vscode.ThemeColor('statusBarItem.errorBackground')
    : undefined;
  statusBar.show();
  showRunning();
}

/**
 * Open the settings editor on the tab where the `unsandbox` settings live: the workspace's when
 * one of them is set there, the Remote tab when VS Code runs remotely (code-server, SSH,
 * containers: the User tab is the browser's there, and says "No Settings Found"), else User.
 * @param {string} query what the settings editor searches for
 */
async function openSettings(query) {
  const config = vscode.workspace.getConfiguration(SECTION);
  const keys = query.startsWith(`${SECTION}.`) ? [query.slice(SECTION.length + 1)] : Object.keys(config);
  const inWorkspace = keys.some((key) => {
    const where = config.inspect(key);
    return where?.workspaceValue !== undefined || where?.workspaceFolderValue !== undefined;
  });
  const command = inWorkspace
    ? 'workbench.action.openWorkspaceSettings'
    : vscode.env.remoteName
      ? 'workbench.action.openRemoteSettings'
      : 'workbench.action.openSettings';
  try {
    await vscode.commands.executeCommand(command, { query });
  } catch {
    await vscode.commands.executeCommand('workbench.action.openSettings', query);
  }
}

/**
 * Open the settings when the server asks (`unsandbox/openSettings` `{query}`, sent when the user
 * clicks the "Open settings" button of a failure message).
 * @param {LanguageClient} languageClient
 */
function offerOpenSettings(languageClient) {
  languageClient.onNotification('unsandbox/openSettings', (/** @type {any} */ params) => {
    const query = typeof params?.query === 'string' && params.query ? params.query : SECTION;
    void openSettings(query);
  });
}

/**
 * The interpreter the Python extension has selected for the workspace, when it is installed.
 * @returns {Promise<string | undefined>}
 */
async function pythonInterpreter() {
  const python = vscode.extensions.getExtension('ms-python.python');
  if (!python) {
    return undefined;
  }
  try {
    const timeout = new Promise((resolve) => setTimeout(() => resolve(undefined), 5000));
    const api = python.isActive ? python.exports : await Promise.race([python.activate(), timeout]);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const found = api?.environments?.getActiveEnvironmentPath?.(folder);
    return typeof found?.path === 'string' ? found.path : undefined;
  } catch {
    return undefined;
  }
}

async function startClient() {
  const setting = vscode.workspace.getConfiguration(SECTION).get('serverCommand');
  const trusted = vscode.workspace.isTrusted;
  const resolved = resolveServerCommand({
    setting,
    trusted,
    folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    interpreter: trusted ? await pythonInterpreter() : undefined,
    env: process.env,
  });
  if (resolved === null) {
    const message = notFoundMessage(commandWords(setting));
    serverLog.appendLine(message);
    const choice = await vscode.window.showErrorMessage(
      message,
      'Copy install command',
      'Open settings',
    );
    if (choice === 'Copy install command') {
      await vscode.env.clipboard.writeText(INSTALL_LINE);
    } else if (choice === 'Open settings') {
      await openSettings(`${SECTION}.serverCommand`);
    }
    return;
  }
  serverLog.appendLine(`unsandbox: starting ${resolved.words.join(' ')} (from ${resolved.source})`);
  const words = resolved.words;
  const [command, ...args] = words;
  const next = new LanguageClient(
    'unsandbox',
    'unsandbox',
    { command, args, options: { env: process.env } },
    {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      initializationOptions: currentSettings(),
      synchronize: { configurationSection: SECTION },
      outputChannel: serverLog,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      middleware: {
        executeCommand: argumentsMiddleware(
          ({ title, value }) =>
            vscode.window.showInputBox({
              title,
              value,
              prompt: 'Split as a shell would: 5 --verbose "a b". Empty runs it with none.',
              ignoreFocusOut: true,
            }),
          () => editedUri()?.toString(),
        ),
      },
    },
  );
  next.registerFeature(extensionFeatures);
  next.onDidChangeState((change) => {
    if (change.newState === State.Stopped) {
      // the server stopped (or crashed): its runs will not finish, close their notifications
      runProgress.clear();
      announced.clear();
      openLine.clear();
    }
  });
  next.onNotification('unsandbox/runStarted', onRunStarted);
  next.onNotification('unsandbox/runFinished', onRunFinished);
  next.onNotification('unsandbox/runOutput', onRunOutput);
  offerOpenSettings(next);
  client = next;
  try {
    await next.start();
  } catch (error) {
    client = undefined;
    const detail = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(
      `unsandbox: the language server "${words.join(' ')}" did not start: ${detail}. ` +
        `Is it installed (\`${INSTALL_LINE}\`)? See the "unsandbox" output for its log.`,
    );
  }
}

async function stopClient() {
  const old = client;
  client = undefined;
  running.clear();
  announced.clear();
  runProgress.clear();
  if (old) {
    try {
      await old.stop(5000);
    } catch {
      // already stopped or never started
    }
  }
}

async function restartClient() {
  await stopClient();
  await startClient();
}

/** @returns {Promise<boolean>} */
async function ensureClient() {
  if (!client) {
    await startClient();
  }
  return client !== undefined && client.isRunning();
}

/**
 * The document being edited: the active text editor's, unless that is the output panel or
 * another view (focus moves there after a run), then the first visible editor of a file.
 * @returns {vscode.Uri | undefined}
 */
function editedUri() {
  const editable = (editor) => editor && ['file', 'untitled'].includes(editor.document.uri.scheme);
  const active = vscode.window.activeTextEditor;
  return (editable(active) ? active : vscode.window.visibleTextEditors.find(editable))?.document.uri;
}

/**
 * Run the file shown in the editor, or the resource the ▷ button passes.
 * @param {unknown} resource
 */
async function runActiveFile(resource) {
  const uri = resource instanceof vscode.Uri ? resource : editedUri();
  if (!uri) {
    void vscode.window.showWarningMessage('unsandbox: open a file to run it.');
    return;
  }
  if (await ensureClient()) {
    await vscode.commands.executeCommand('unsandbox.runFile', uri.toString());
  }
}

async function runActiveSelection() {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage('unsandbox: select some code to run it.');
    return;
  }
  const { start, end } = editor.selection;
  const range = {
    start: { line: start.line, character: start.character },
    end: { line: end.line, character: end.character },
  };
  if (await ensureClient()) {
    await vscode.commands.executeCommand('unsandbox.runSelection', {
      uri: editor.document.uri.toString(),
      range,
    });
  }
}

/**
 * Links of the output channel: paths with spaces, `file://` URIs, traceback frames.
 * @param {vscode.TextDocument} document
 */
function provideDocumentLinks(document) {
  /** @type {vscode.DocumentLink[]} */
  const links = [];
  for (let line = 0; line < document.lineCount; line++) {
    for (const found of findLinks(document.lineAt(line).text)) {
      let target = vscode.Uri.file(found.path);
      if (found.line !== undefined) {
        target = target.with({ fragment: `L${found.line}${found.column ? `,${found.column}` : ''}` });
      }
      links.push(new vscode.DocumentLink(new vscode.Range(line, found.start, line, found.end), target));
    }
  }
  return links;
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  runOutput = vscode.window.createOutputChannel('Unsandbox', OUTPUT_LANGUAGE);
  serverLog = vscode.window.createOutputChannel('Unsandbox Language Server');
  statusBar = vscode.window.createStatusBarItem('unsandbox.status', vscode.StatusBarAlignment.Left, 10);
  statusBar.name = 'unsandbox';
  statusBar.command = 'unsandbox.showOutputChannel';
  runProgress = new RunProgress(vscode.window, vscode.ProgressLocation.Notification, (uri) =>
    vscode.commands.executeCommand('unsandbox.cancel', uri),
  );
  context.subscriptions.push(
    runOutput,
    serverLog,
    statusBar,
    vscode.commands.registerCommand('unsandbox.runActiveFile', runActiveFile),
    vscode.commands.registerCommand('unsandbox.runActiveSelection', runActiveSelection),
    vscode.commands.registerCommand('unsandbox.showOutputChannel', () => runOutput.show(true)),
    vscode.commands.registerCommand('unsandbox.restartServer', restartClient),
    // a trusted workspace may hold the server in its .venv: look again once trust is given
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      if (!client) {
        void startClient();
      }
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // Other settings reach the running server through workspace/didChangeConfiguration.
      if (event.affectsConfiguration(`${SECTION}.serverCommand`)) {
        void restartClient();
      }
    }),
  );
  context.subscriptions.push(
    vscode.languages.registerDocumentLinkProvider({ language: OUTPUT_LANGUAGE }, { provideDocumentLinks }),
  );
  registerHistoryCommands(context, ensureClient);
  await startClient();
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
