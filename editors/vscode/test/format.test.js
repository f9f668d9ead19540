// Unit tests of the pure helpers (node --test); the extension itself is tested in code-server by
// tests/editors/test_vscode_e2e.py.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const os = require('os');
const fs = require('fs');
const path = require('path');
const { formatDuration, headerLine, outputBlock, statusItem } = require('../lib/format');
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

test('output block holds stdout, stderr, artifacts and the summary', () => {
  const block = outputBlock({
    uri: 'file:///tmp/a%20b/sample.py',
    language: 'python',
    exitCode: 1,
    durationMs: 420,
    stdout: 'hello',
    stderr: 'Traceback…\nKeyError: 1\n',
    artifacts: [{ filename: 'a.out', path: '/tmp/a.out', size: 3 }],
    jobId: 'job-1',
    summary: 'exit 1 · 0.42 s · KeyError: 1',
  });
  assert.deepEqual(block.split('\n'), [
    '[Running] python · exit 1 · 0.42 s',
    '[File] /tmp/a b/sample.py',
    'hello',
    'Traceback…',
    'KeyError: 1',
    '[Artifact] /tmp/a.out (3 bytes)',
    '[Done] exit 1 · 0.42 s · KeyError: 1 · job job-1',
    '',
    '',
  ]);
});

test('an error without output says so', () => {
  const block = outputBlock({ language: 'python', error: 'no credentials found', exitCode: null });
  assert.match(block, /^\[Running\] python · error\n\[Error\] no credentials found\n/);
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
