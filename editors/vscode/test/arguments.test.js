// Unit tests of the "Run with arguments…" middleware (node --test).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { argumentsMiddleware, fileName } = require('../lib/arguments');

/** A stand-in for the server's command: remembers the arguments it was given per URI. */
function server() {
  const remembered = new Map();
  const calls = [];
  const next = async (command, args) => {
    calls.push([command, args]);
    const [target] = args;
    if (!target.uri) return null;
    if (target.args === undefined) return { needsArgs: true, args: remembered.get(target.uri) ?? '' };
    remembered.set(target.uri, target.args);
    return { runId: 'r1' };
  };
  return { next, calls, remembered };
}

test('asks with the remembered arguments, then runs with what was typed', async () => {
  const api = server();
  api.remembered.set('file:///w/args.py', "5 'a b'");
  const asked = [];
  const run = argumentsMiddleware(async (options) => {
    asked.push(options);
    return '7 --verbose';
  }, () => undefined);
  const result = await run('unsandbox.runWithArguments', [{ uri: 'file:///w/args.py' }], api.next);
  assert.deepEqual(result, { runId: 'r1' });
  assert.deepEqual(asked, [{ title: 'Run args.py with arguments', value: "5 'a b'" }]);
  assert.deepEqual(api.calls.at(-1), [
    'unsandbox.runWithArguments',
    [{ uri: 'file:///w/args.py', args: '7 --verbose' }],
  ]);
});

test('Escape runs nothing and keeps the remembered arguments', async () => {
  const api = server();
  api.remembered.set('file:///w/args.py', '5');
  const run = argumentsMiddleware(async () => undefined, () => undefined);
  assert.equal(await run('unsandbox.runWithArguments', ['file:///w/args.py'], api.next), undefined);
  assert.equal(api.calls.length, 1);
  assert.equal(api.remembered.get('file:///w/args.py'), '5');
});

test('from the command palette the active file is the one asked about', async () => {
  const api = server();
  const run = argumentsMiddleware(async () => '', () => 'file:///w/caf%C3%A9%20x.py');
  await run('unsandbox.runWithArguments', [], api.next);
  assert.deepEqual(api.calls.at(-1)[1], [{ uri: 'file:///w/caf%C3%A9%20x.py', args: '' }]);
  assert.equal(fileName('file:///w/caf%C3%A9%20x.py'), 'café x.py');
});

test('arguments given already, and other commands, go straight through', async () => {
  const api = server();
  const run = argumentsMiddleware(async () => assert.fail('asked'), () => undefined);
  await run('unsandbox.runWithArguments', [{ uri: 'file:///w/a.py', args: '1' }], api.next);
  await run('unsandbox.runFile', ['file:///w/a.py'], api.next);
  assert.deepEqual(api.calls.map(([command]) => command), ['unsandbox.runWithArguments', 'unsandbox.runFile']);
});

test('a refusal (no file) is answered as the server gave it, without asking', async () => {
  const api = server();
  const run = argumentsMiddleware(async () => assert.fail('asked'), () => undefined);
  assert.equal(await run('unsandbox.runWithArguments', [], api.next), null);
});
