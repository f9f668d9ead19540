// unsandbox-ls start-up hook for Node.js, loaded before the program through NODE_OPTIONS.
// See sitecustomize.py (the Python hook) for what it does; this is the same in JavaScript:
// find the input folder, rebuild the tree from the flat names, run the program again under its
// own name in the tree (cwd its folder, argv its arguments, stdin the given file or end-of-file),
// and exit with its status. Nothing of this file stays in the program's stack traces: the program
// runs in a child process. On anything unexpected it returns and the program runs as it is.
'use strict';
(function unsandboxLsBoot() {
  const env = process.env;
  const text = env.UNSANDBOX_LS_BOOT;
  if (!text) return;
  const fs = require('fs');
  const path = require('path');
  const word = (t) => (t === '~' ? null : t === '-' ? '' : Buffer.from(t, 'hex').toString('utf8'));
  const tokens = text.split(' ');
  if (tokens[0] !== '1') return;
  const nonce = tokens[1];
  const report = ['hook javascript'];
  const frame = () => {
    const body = report.slice(0, 12).map((l) => l.replace(/\n/g, ' ').slice(0, 300)).join('\n');
    try {
      fs.writeSync(2, `--- unsandbox-ls boot ${nonce} ---\n${body}\n--- unsandbox-ls end ${nonce} ---\n`);
    } catch (e) { /* nowhere to say it */ }
  };
  try {
    const code = word(tokens[2]);
    const stdin = word(tokens[3]);
    let at = 4;
    let n = Number(tokens[at]);
    const args = tokens.slice(at + 1, at + 1 + n).map(word);
    at += 1 + n;
    n = Number(tokens[at]);
    const files = [];
    for (let i = 0; i < n; i++) files.push([word(tokens[at + 1 + 2 * i]), word(tokens[at + 2 + 2 * i])]);
    at += 1 + 2 * n;
    n = Number(tokens[at]);
    const restore = [];
    for (let i = 0; i < n; i++) restore.push([word(tokens[at + 1 + 2 * i]), word(tokens[at + 2 + 2 * i])]);
    const script = process.argv[1] ? path.resolve(process.argv[1]) : '';
    if (!script || !fs.existsSync(script)) { report.push('skipped no script file'); frame(); return; }
    const isFile = (p) => { try { return fs.statSync(p).isFile(); } catch (e) { return false; } };
    const candidates = [__dirname, '/tmp/input', process.cwd(), '/root/input', '/tmp', path.dirname(script)];
    const found = candidates.find((d) => files.every(([w]) => isFile(path.join(d, w))));
    report.push(`input ${found || 'none'}`, `code ${script}`, `cwd ${process.cwd()}`);
    if (!found) { report.push('skipped the input files were not found'); frame(); return; }
    let tree = found;
    try { fs.accessSync(found, fs.constants.W_OK); } catch (e) {
      tree = fs.mkdtempSync(path.join(require('os').tmpdir(), 'unsandbox-ls-'));
    }
    const place = (source, target) => {
      try {
        if (fs.statSync(target).ino === fs.statSync(source).ino) return;
        fs.unlinkSync(target);
      } catch (e) { /* not there yet */ }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      try { fs.linkSync(source, target); } catch (e) { fs.copyFileSync(source, target); }
    };
    for (const [wire, local] of files) {
      if (local && (tree !== found || wire !== local)) place(path.join(found, wire), path.join(tree, local));
    }
    place(script, path.join(tree, code));
    if (tree === found) { // the folder holds what the local one does: no flat names, no hook
      for (const [wire, local] of files) {
        if (wire !== local) { try { fs.unlinkSync(path.join(found, wire)); } catch (e) { /* gone */ } }
      }
    }
    if (tree !== '/tmp/input' && !fs.existsSync('/tmp/input')) {
      try { fs.symlinkSync(tree, '/tmp/input'); } catch (e) { /* not allowed here */ }
    }
    const childEnv = { ...env };
    for (const [name, value] of restore) {
      if (value === null) delete childEnv[name]; else childEnv[name] = value;
    }
    delete childEnv.UNSANDBOX_LS_BOOT;
    const input = fs.openSync(stdin ? path.join(tree, stdin) : '/dev/null', 'r');
    report.push(`tree ${tree}`, `exec ${path.join(tree, code)}`);
    frame();
    const run = require('child_process').spawnSync(
      process.execPath, [...process.execArgv, code, ...args],
      { cwd: tree, env: childEnv, stdio: [input, 'inherit', 'inherit'] },
    );
    if (run.error) throw run.error;
    if (run.signal) process.kill(process.pid, run.signal);
    process.exit(run.status === null ? 1 : run.status);
  } catch (e) {
    report.push(`error ${e && e.message}`);
    frame();
  }
}());
