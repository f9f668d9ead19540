// Unit tests of the run history's text (node --test).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { pickItems, diffTitle } = require('../lib/history-format');

test('quick pick items show file, result, time and where the run came from', () => {
  const [failedRun, okRun] = pickItems([
    { file: '/w/failing.py', status: 'completed', exitCode: 1, durationMs: 420, when: '2026-01-02T03:04:05Z',
      kind: 'file', source: 'cli', logPath: '/c/1.log', summary: "failing.py: exit 1 in 0.4 s: KeyError: 'pear'" },
    { file: '/w/failing.py', status: 'completed', exitCode: 0, durationMs: 300, when: '2026-01-02T03:04:00Z',
      kind: 'selection', source: 'server', logPath: null, summary: 'failing.py: exit 0 in 0.3 s' },
  ]);
  assert.equal(failedRun.label, '$(error) failing.py · exit 1');
  assert.equal(failedRun.description, '2026-01-02 03:04:05 · 0.42 s · from unsandbox-ls run');
  assert.equal(okRun.description, '2026-01-02 03:04:00 · 0.30 s · selection · from the editor');
  assert.equal(failedRun.detail, "failing.py: exit 1 in 0.4 s: KeyError: 'pear'");
  assert.equal(failedRun.run.logPath, '/c/1.log');
  assert.equal(okRun.label, '$(pass) failing.py · exit 0');
  assert.match(okRun.detail, /\(no log\)$/);
});

test('a run without an exit code shows its status', () => {
  const [item] = pickItems([{ file: 'C:\\w\\a.py', status: 'cancelled', exitCode: null }]);
  assert.equal(item.label, '$(error) a.py · cancelled');
});

test('the diff title carries the change line', () => {
  assert.equal(diffTitle('/w/failing.py', 'exit 1 → exit 0 · 0.42 s → 0.30 s (-0.12 s)'),
    'failing.py: exit 1 → exit 0 · 0.42 s → 0.30 s (-0.12 s)');
});
