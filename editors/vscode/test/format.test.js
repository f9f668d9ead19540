// Unit tests of the pure helpers (node --test); the extension itself is tested in code-server by
// tests/editors/test_vscode_e2e.py.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const os = require('os');
const fs = require('fs');
const path = require('path');
const {
  doneLine,
  formatDuration,
  headerLine,
  outputBlock,
  outputPiece,
  seconds,
  startBlock,
  statusItem,
  stripAnsi,
} = require('../lib/format');
const { RunProgress } = require('../lib/run-progress');
const { commandWords, findExecutable, notFoundMessage } = require('../lib/server-command');

test('durations read like the server summary', () => {
  assert.equal(formatDuration(420), '0.42 s');
  assert.equal(formatDuration(12345), '12.3 s');
  assert.equal(formatDuration(65000), '65 s');
  assert.equal(formatDuration(null), '');
});

test('header line names language, outcome and duration', () => {
  assert.equal(
    headerLine({ language: 'python', exitCode: 1, durationMs: 420, status: 'completed' }),
    '[Running] python · exit 1 · 0.42 s',
  );
  assert.equal(
    headerLine({ language: 'bash', exitCode: null, durationMs: 3000, status: 'cancelled' }),
    '[Running] bash · cancelled · 3.00 s',
  );
  assert.equal(
    headerLine({ language: 'python', exitCode: 0, durationMs: 10, kind: 'selection' }),
    '[Running] python · exit 0 · 0.01 s · selection',
  );
});

test('a run announces itself as it starts: file, language, kind', () => {
  assert.equal(
    startBlock({ uri: 'file:///tmp/caf%C3%A9.py', language: 'python', kind: 'file' }),
    '[Running] café.py · python\n[File] /tmp/café.py\n',
  );
  assert.equal(
    startBlock({ uri: 'untitled:Untitled-1', language: null, kind: 'selection' }),
    '[Running] untitled:Untitled-1 · unknown language · selection\n[File] untitled:Untitled-1\n',
  );
});

test('terminal escape sequences are taken out of what the channel shows', () => {
  // what `printf '\033[31mred\033[0m'`, ls --color and a terminal title print
  assert.equal(stripAnsi('\u001b[31mred\u001b[0m \u001b[1;32mbold\u001b[m'), 'red bold');
  assert.equal(stripAnsi('\u001b]0;title\u0007a\u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\'), 'alink');
  assert.equal(stripAnsi('\u001b(Bx\u001b7y\u001b[2K\u001b[1Gz'), 'xyz');
  assert.equal(stripAnsi('[31m stays: no escape character'), '[31m stays: no escape character');
  const block = outputBlock({ stdout: '\u001b[33mwarn\u001b[0m\n', stderr: '\u001b[31mboom\u001b[0m\n' }, true);
  assert.doesNotMatch(block, /\u001b/);
  assert.match(block, /^warn\nboom\n/);
});

test('output block holds stdout, stderr, artifacts, a short [Done] line and the log URI', () => {
  const run = {
    uri: 'file:///tmp/a%20b/sample.py',
    language: 'python',
    status: 'completed',
    exitCode: 1,
    durationMs: 320,
    stdout: 'hello',
    stderr: 'Traceback…\nKeyError: 1\n',
    artifacts: [{ filename: 'a.out', path: '/tmp/a.out', size: 3 }],
    jobId: 'job-1',
    logPath: '/home/me/.cache/unsandbox-ls/runs/20261203-sample.py-r1.log',
    summary: 'sample.py: exit 1 in 0.3 s: KeyError: 1',
  };
  assert.deepEqual(outputBlock(run).split('\n'), [
    '[Running] sample.py · python',
    '[File] /tmp/a b/sample.py',
    'hello',
    'Traceback…',
    'KeyError: 1',
    '[Artifact] file:///tmp/a.out (3 bytes)',
    '[Done] exit 1 in 0.3 s · sample.py',
    '[Log] file:///home/me/.cache/unsandbox-ls/runs/20261203-sample.py-r1.log',
    '',
    '',
  ]);
  // the [Running] lines were written when the run started
  assert.match(outputBlock({ uri: 'file:///tmp/a.py', stdout: 'x' }, true), /^x\n\[Done\] /);
  // the output was shown piece by piece as it came: only the end, after the open line
  assert.equal(
    outputBlock({ ...run, artifacts: [], streamed: true, logPath: null }, true, true),
    '\n[Done] exit 1 in 0.3 s · sample.py\n\n',
  );
  assert.equal(outputPiece({ stdout: '\u001b[1mline 0\u001b[0m\n', stderr: 'warn\n' }), 'line 0\nwarn\n');
});

test('[Done] fits on one line whatever the ending', () => {
  const uri = 'file:///tmp/long.py';
  assert.equal(doneLine({ uri, status: 'cancelled', durationMs: 1500 }), '[Done] cancelled after 1.5 s · long.py');
  assert.equal(doneLine({ uri, status: 'timeout', durationMs: 61000 }), '[Done] timed out after 61 s · long.py');
  assert.equal(doneLine({ uri, status: 'error', error: 'no keys' }), '[Done] not run · long.py');
  assert.equal(doneLine({ uri, status: 'completed', exitCode: 0, durationMs: 42, kind: 'cell' }), '[Done] exit 0 in 0.04 s · long.py · cell');
  assert.equal(seconds(125000), '2 min 5 s');
});

test('one notification per run, closed when it finishes, Cancel cancels its file', async () => {
  /** @type {any[]} */
  const opened = [];
  const window = {
    /** @param {any} options @param {any} task */
    withProgress(options, task) {
      /** @type {(() => void) | undefined} */
      let onCancel;
      const token = { onCancellationRequested: (/** @type {() => void} */ f) => (onCancel = f) };
      const entry = { options, done: false, cancel: () => onCancel && onCancel() };
      opened.push(entry);
      return task({ report() {} }, token).then(() => (entry.done = true));
    },
  };
  /** @type {string[]} */
  const cancelled = [];
  const progress = new RunProgress(window, 'notification', (uri) => cancelled.push(uri));
  progress.start({ runId: 'r1', uri: 'file:///a.py', language: 'python', kind: 'file' }, 'a.py');
  progress.start({ runId: 'r1', uri: 'file:///a.py' }, 'a.py'); // the same run: still one
  progress.start({ runId: 'r2', uri: 'file:///b.py', language: 'bash', kind: 'cell' }, 'b.py');
  assert.equal(opened.length, 2);
  assert.deepEqual(opened[0].options, {
    location: 'notification',
    title: 'unsandbox: running a.py · python',
    cancellable: true,
  });
  assert.equal(opened[1].options.title, 'unsandbox: running b.py · bash · cell');
  opened[1].cancel();
  assert.deepEqual(cancelled, ['file:///b.py']);
  progress.finish({ runId: 'r1' });
  progress.finish({ runId: 'r2' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(opened.map((o) => o.done), [true, true]);
  assert.equal(progress.runs.size, 0);
});

test('an error without output says so', () => {
  const block = outputBlock({ language: 'python', error: 'no credentials found', exitCode: null });
  assert.match(block, /^\[Running\] buffer · python\n\[Error\] no credentials found\n\[Done\] not run · buffer\n/);
  assert.equal(statusItem({ error: 'x' }).error, true);
  assert.equal(statusItem({ exitCode: 0, durationMs: 5 }).text, '$(check) exit 0 · 0.01 s');
});

test('a cancelled run is neither an error nor a failure', () => {
  const run = { language: 'python', status: 'cancelled', exitCode: null, error: 'cancelled by the user', durationMs: 1500 };
  assert.equal(headerLine(run), '[Running] python · cancelled · 1.50 s');
  assert.doesNotMatch(outputBlock(run), /\[Error\]/);
  assert.deepEqual(statusItem(run).error, false);
  assert.match(statusItem(run).text, /^\$\(circle-slash\) cancelled/);
});

test('server command words and lookup', () => {
  assert.deepEqual(commandWords(undefined), ['unsandbox-ls']);
  assert.deepEqual(commandWords([]), ['unsandbox-ls']);
  assert.deepEqual(commandWords('python3 -m unsandbox_ls'), ['python3', '-m', 'unsandbox_ls']);
  assert.deepEqual(commandWords(['python3', '-m', 'unsandbox_ls']), ['python3', '-m', 'unsandbox_ls']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unsandbox-cmd-'));
  const exe = path.join(dir, 'fake-ls');
  fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'not-exe'), '', { mode: 0o644 });
  assert.equal(findExecutable('fake-ls', { PATH: dir }), exe);
  assert.equal(findExecutable('not-exe', { PATH: dir }), null);
  assert.equal(findExecutable('missing-ls', { PATH: dir }), null);
  assert.equal(findExecutable(exe, { PATH: '' }), exe);
  assert.match(notFoundMessage(['unsandbox-ls']), /pip install unsandbox-ls/);
});

test('links in the output channel: paths with spaces, file URIs, frames, problem lines', () => {
  const { findLinks } = require('../lib/links');
  const frame = '  File "/home/me/my project/orders.py", line 15, in line_total';
  assert.deepEqual(findLinks(frame), [
    { start: 8, end: 37, path: '/home/me/my project/orders.py', line: 15 },
  ]);
  const log = '[Log] file:///home/me/.cache/unsandbox-ls/runs/a%20b.log';
  assert.deepEqual(findLinks(log), [
    { start: 6, end: log.length, path: '/home/me/.cache/unsandbox-ls/runs/a b.log' },
  ]);
  assert.deepEqual(findLinks('[File] /tmp/a b/sample.py'), [
    { start: 7, end: 25, path: '/tmp/a b/sample.py' },
  ]);
  assert.deepEqual(findLinks('/tmp/x.c:3:5: error: expected ;'), [
    { start: 0, end: 12, path: '/tmp/x.c', line: 3, column: 5 },
  ]);
  assert.deepEqual(findLinks('KeyError: 12:30 is no path'), []);
});

test('the server is found without PATH: setting, then the workspace .venv, then PATH', () => {
  const { resolveServerCommand } = require('../lib/server-command');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'unsandbox-find-'));
  const bin = path.join(root, 'project', '.venv', 'bin');
  fs.mkdirSync(bin, { recursive: true });
  const python = path.join(bin, 'python');
  fs.writeFileSync(python, '#!/bin/sh\n', { mode: 0o755 });
  const folders = [path.join(root, 'project')];
  const none = { PATH: '' };
  // a .venv without the server installed in it is not used
  assert.equal(resolveServerCommand({ folders, trusted: true, env: none }), null);
  fs.writeFileSync(path.join(bin, 'unsandbox-ls'), '#!/bin/sh\n', { mode: 0o755 });
  assert.deepEqual(resolveServerCommand({ folders, trusted: true, env: none }), {
    words: [python, '-m', 'unsandbox_ls'],
    source: "the workspace's .venv",
  });
  // an untrusted workspace's .venv is never run: the repository could have put anything there
  assert.equal(resolveServerCommand({ folders, trusted: false, env: none }), null);
  // the Python extension's interpreter, when the server is installed beside it
  assert.deepEqual(resolveServerCommand({ interpreter: python, trusted: true, env: none }).source,
    "the Python extension's interpreter");
  // PATH last; the setting first, resolved on PATH
  assert.deepEqual(resolveServerCommand({ folders, trusted: false, env: { PATH: bin } }), {
    words: [path.join(bin, 'unsandbox-ls')],
    source: 'PATH',
  });
  assert.deepEqual(
    resolveServerCommand({ setting: ['python', '-m', 'unsandbox_ls'], folders, trusted: true, env: { PATH: bin } }),
    { words: [python, '-m', 'unsandbox_ls'], source: 'the unsandbox.serverCommand setting' },
  );
  assert.equal(resolveServerCommand({ setting: 'nowhere-ls', folders, trusted: true, env: none }), null);
});
