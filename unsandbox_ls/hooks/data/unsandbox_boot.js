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
    unsandboxLsInPlaceCarry(childEnv); // in-place results: the program's process loads this file
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

// --- in-place results (begin) -----------------------------------------------------------------
// With UNSANDBOX_LS_IN_PLACE=NONCE, the program's process records, without touching its code,
// which line of the user's files wrote each piece of stdout/stderr (process.stdout.write and
// process.stderr.write wrapped; the nearest call site under the program's folder) and, for an
// uncaught exception, its message and the lines of its frames (no values: JavaScript gives output
// at the line only). At exit one block on stderr, as the Python hook writes it.
// The hook removes its own files from the input folder before the program runs: the program's
// process loads a private copy of the recorder (its function's own text).
function unsandboxLsInPlaceCarry(childEnv) {
  if (!process.env.UNSANDBOX_LS_IN_PLACE) return;
  const fs = require('fs');
  const path = require('path');
  const folder = fs.mkdtempSync(path.join(require('os').tmpdir(), 'unsandbox-ls-in-place-'));
  const copy = path.join(folder, 'unsandbox_in_place.js');
  fs.writeFileSync(copy, `'use strict';\n(${unsandboxLsInPlace.toString()})();\n`);
  const user = childEnv.NODE_OPTIONS;
  childEnv.UNSANDBOX_LS_IN_PLACE_NODE_OPTIONS = user === undefined ? '~' : user;
  const own = `--require ${JSON.stringify(copy)}`;
  childEnv.NODE_OPTIONS = user ? `${user} ${own}` : own;
}

function unsandboxLsInPlace() {
  const env = process.env;
  const nonce = env.UNSANDBOX_LS_IN_PLACE;
  if (!nonce || env.UNSANDBOX_LS_BOOT || !/^[0-9a-zA-Z]+$/.test(nonce)) return;
  delete env.UNSANDBOX_LS_IN_PLACE;
  const user = env.UNSANDBOX_LS_IN_PLACE_NODE_OPTIONS;
  delete env.UNSANDBOX_LS_IN_PLACE_NODE_OPTIONS;
  if (user === '~') delete env.NODE_OPTIONS; else if (user !== undefined) env.NODE_OPTIONS = user;
  const fs = require('fs');
  const LINES_MAX = 300, TEXT_MAX = 2000, SHORT_MAX = 60, LAST_MAX = 200, BLOCK_MAX = 60000;
  const STACK_MAX = 12; // frames looked through for a user's one when the nearest is not
  const root = process.cwd().replace(/\/$/, '') + '/';
  const own = __filename;
  const lines = new Map(); // path → line → entry
  const entries = []; // in the order they were first written
  const places = new Map(); // a frame's file name → its path under the folder, or null
  let dropped = 0;
  let failure = null;
  const userPath = (name) => {
    if (!name) return null;
    let file = name;
    if (file.startsWith('file://')) {
      try { file = require('url').fileURLToPath(file); } catch (e) { return null; }
    }
    if (file === own || !file.startsWith(root) || file.includes('/node_modules/')) return null;
    return file.slice(root.length);
  };
  const place = (name) => {
    let found = places.get(name);
    if (found === undefined) {
      found = userPath(name);
      places.set(name, found);
    }
    return found;
  };
  // The stack is taken structured and only as deep as needed: each frame V8 walks (an optimized
  // one most of all) is what a write costs. `above` is the wrapper the user called, so the first
  // frame is the caller's; the program's own Error.prepareStackTrace and stackTraceLimit are
  // given back at once, so its own stack traces and error.stack are as they would be.
  const structured = (error, sites) => sites;
  const holder = {}; // one for every capture: its `stack` is read at once
  // where: [path, line] of the nearest call site under the program's folder, or null
  const callSite = (above) => {
    const previous = Error.prepareStackTrace;
    const depth = Error.stackTraceLimit;
    let sites;
    try {
      Error.prepareStackTrace = structured;
      Error.stackTraceLimit = 1;
      Error.captureStackTrace(holder, above);
      sites = holder.stack;
      const site = sites[0];
      const found = site === undefined ? null : place(site.getFileName());
      if (found !== null) return [found, site.getLineNumber()];
      Error.stackTraceLimit = STACK_MAX;
      Error.captureStackTrace(holder, above);
      sites = holder.stack;
    } finally {
      Error.prepareStackTrace = previous;
      Error.stackTraceLimit = depth;
    }
    for (let i = 1; i < sites.length; i++) {
      const found = place(sites[i].getFileName());
      if (found !== null) return [found, sites[i].getLineNumber()];
    }
    return null;
  };
  // one write: `where` is its console call's site (null: none of the user's), or undefined and
  // the site is looked for above `above`
  const record = (chunk, where, above) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (!text) return;
    if (where === undefined) where = callSite(above);
    if (where === null) return;
    let atPath = lines.get(where[0]);
    if (atPath === undefined) lines.set(where[0], atPath = new Map());
    let entry = atPath.get(where[1]);
    if (entry === undefined) {
      if (entries.length >= LINES_MAX) { dropped += 1; return; }
      entry = { path: where[0], line: where[1], count: 0, text: '', partial: '', first: null, last: null };
      atPath.set(where[1], entry);
      entries.push(entry);
    }
    const room = TEXT_MAX - entry.text.length;
    if (room > 0) entry.text += text.length > room ? text.slice(0, room) : text;
    const end = text.lastIndexOf('\n');
    if (end < 0) { // the line goes on
      entry.partial = text.length >= LAST_MAX ? text.slice(-LAST_MAX) : (entry.partial + text).slice(-LAST_MAX);
      return;
    }
    // the ended lines: the one the partial began, those whole in text, up to its last line end
    let at = text.indexOf('\n');
    if (entry.first === null) entry.first = (entry.partial + text.slice(0, at)).slice(0, SHORT_MAX);
    let count = 1;
    let start = 0;
    while (at < end) {
      start = at + 1;
      at = text.indexOf('\n', start);
      count += 1;
    }
    entry.count += count;
    entry.last = (count === 1 ? entry.partial + text.slice(0, end) : text.slice(start, end)).slice(0, LAST_MAX);
    entry.partial = end === text.length - 1 ? '' : text.slice(end + 1).slice(-LAST_MAX);
  };
  // Inside a console method, its writes are the call's: the site is taken once, the frame just
  // above the method, instead of through the console's own frames at each write. (console.trace
  // is left as it is: it prints the stack above itself. While a method formats its arguments,
  // code of the program's own that it runs, a custom inspect, sees the wrapper's frame in its
  // stack, and a bare process.stdout.write there goes to the console call's line.)
  let calling; // undefined: not in a console method
  const methods = ['log', 'info', 'debug', 'warn', 'error', 'dir', 'dirxml', 'table', 'group',
    'groupCollapsed', 'assert', 'count', 'timeLog', 'timeEnd'];
  for (const name of methods) {
    const method = console[name];
    if (typeof method !== 'function') continue;
    const wrapper = {
      [name](...args) {
        const outer = calling;
        try { calling = callSite(wrapper); } catch (e) { calling = undefined; }
        try { return Reflect.apply(method, this, args); } finally { calling = outer; }
      },
    }[name];
    try {
      Object.defineProperty(wrapper, 'length', { value: method.length });
      console[name] = wrapper;
    } catch (e) { /* the console stays as it is */ }
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = function unsandboxLsWrite(chunk, ...rest) {
      try { record(chunk, calling, unsandboxLsWrite); } catch (e) { /* the output goes on */ }
      return Reflect.apply(write, this, [chunk, ...rest]);
    };
  }
  process.on('uncaughtExceptionMonitor', (error) => {
    try {
      const frames = [];
      const stack = String((error && error.stack) || '');
      for (const match of stack.matchAll(/^\s*at (?:(.*?) \()?(.+?):(\d+):\d+\)?$/gm)) {
        const found = userPath(match[2]);
        if (found) frames.push({ path: found, line: Number(match[3]), function: match[1] || '<anonymous>', values: [] });
      }
      const name = (error && error.name) || 'Error';
      const message = error && error.message !== undefined ? String(error.message) : String(error);
      failure = { frames: frames.slice(0, 8).reverse(), error: `${name}: ${message}`.slice(0, 200) };
    } catch (e) { /* no values */ }
  });
  process.on('exit', () => {
    try {
      const out = [];
      for (const e of entries) {
        let { count, first, last } = e;
        if (e.partial) {
          count += 1;
          if (first === null) first = e.partial.slice(0, SHORT_MAX);
          last = e.partial.slice(0, LAST_MAX);
        }
        out.push({ path: e.path, line: e.line, count, first: first || '', last: last || '', text: e.text });
      }
      const body = { v: 1, lines: out, frames: failure ? failure.frames : [], error: failure ? failure.error : null };
      if (dropped) body.dropped = dropped;
      const ascii = (value) => JSON.stringify(value).replace(/[\u007f-\uffff]/g,
        (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
      let text = ascii(body);
      while (text.length > BLOCK_MAX && body.lines.length) {
        body.lines = body.lines.slice(0, Math.floor(body.lines.length / 2));
        body.truncated = true;
        text = ascii(body);
      }
      if (text.length > BLOCK_MAX) return;
      fs.writeSync(2, `--- unsandbox-ls in-place ${nonce} ---\n${text}\n--- unsandbox-ls end ${nonce} ---\n`);
    } catch (e) { /* no block: an ordinary run */ }
  });
}
unsandboxLsInPlace();
// --- in-place results (end) -------------------------------------------------------------------
