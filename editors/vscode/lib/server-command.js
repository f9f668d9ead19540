// @ts-check
// Which command starts the language server, without `vscode`: the `unsandbox.serverCommand`
// setting when set; else, in a trusted workspace, the python of the workspace's `.venv` or the
// Python extension's interpreter when `unsandbox-ls` is installed beside it (run as
// `python -m unsandbox_ls`); else `unsandbox-ls` on PATH. VS Code started from a desktop or
// code-server started by a service has the login shell's PATH, not the one of the shell where the
// server was installed into a virtual environment, so PATH alone is not enough.
'use strict';

const fs = require('fs');
const path = require('path');

const INSTALL_LINE = 'pip install unsandbox-ls';

/**
 * The setting as a list of words: `"unsandbox-ls"` and `["python3", "-m", "unsandbox_ls"]` are
 * both accepted; anything empty falls back to `["unsandbox-ls"]`.
 * @param {unknown} value
 * @returns {string[]}
 */
function commandWords(value) {
  return settingWords(value) ?? ['unsandbox-ls'];
}

/**
 * The setting's words, or null when it is unset or empty.
 * @param {unknown} value
 * @returns {string[] | null}
 */
function settingWords(value) {
  if (typeof value === 'string' && value.trim() !== '') {
    return value.trim().split(/\s+/);
  }
  if (Array.isArray(value)) {
    const words = value.filter((w) => typeof w === 'string' && w !== '');
    if (words.length > 0) {
      return words;
    }
  }
  return null;
}

const BIN = process.platform === 'win32' ? 'Scripts' : 'bin';
const EXE = process.platform === 'win32' ? '.exe' : '';

/**
 * `[python, '-m', 'unsandbox_ls']` when `python` is an interpreter with `unsandbox-ls` installed
 * beside it (its console script in the same folder), else null.
 * @param {string | undefined} python
 * @returns {string[] | null}
 */
function besidePython(python) {
  if (!python || !isExecutable(python)) {
    return null;
  }
  const script = path.join(path.dirname(python), `unsandbox-ls${EXE}`);
  return isExecutable(script) ? [python, '-m', 'unsandbox_ls'] : null;
}

/**
 * The command that starts the server and where it was found, or null when it is nowhere.
 * @param {{
 *   setting?: unknown, folders?: string[], trusted?: boolean, interpreter?: string,
 *   env?: NodeJS.ProcessEnv,
 * }} where `folders`: the workspace folders' paths; `interpreter`: the Python extension's
 * @returns {{words: string[], source: string} | null}
 */
function resolveServerCommand(where) {
  const set = settingWords(where.setting);
  if (set) {
    const found = findExecutable(set[0], where.env);
    return found ? { words: [found, ...set.slice(1)], source: 'the unsandbox.serverCommand setting' } : null;
  }
  if (where.trusted) {
    for (const folder of where.folders ?? []) {
      for (const venv of ['.venv', 'venv']) {
        const words = besidePython(path.join(folder, venv, BIN, `python${EXE}`));
        if (words) {
          return { words, source: `the workspace's ${venv}` };
        }
      }
    }
    const words = besidePython(where.interpreter);
    if (words) {
      return { words, source: "the Python extension's interpreter" };
    }
  }
  const onPath = findExecutable('unsandbox-ls', where.env);
  return onPath ? { words: [onPath], source: 'PATH' } : null;
}

/** @param {string} file */
function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Absolute path of `program` (as given when it contains a separator, else searched on PATH),
 * or null when there is no such executable.
 * @param {string} program
 * @param {NodeJS.ProcessEnv} env
 * @returns {string | null}
 */
function findExecutable(program, env = process.env) {
  if (program.includes('/') || program.includes('\\')) {
    return isExecutable(program) ? path.resolve(program) : null;
  }
  const dirs = (env.PATH || '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? (env.PATHEXT || '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, program + ext);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return null;
}

/**
 * The message shown when the server cannot be started.
 * @param {string[]} words
 */
function notFoundMessage(words) {
  return (
    `unsandbox: cannot start the language server: "${words[0]}" was not found ` +
    "(not in the workspace's .venv, the Python extension's interpreter or PATH). " +
    `Install it with \`${INSTALL_LINE}\` (in a checkout: \`pip install .\`), or set ` +
    '"unsandbox.serverCommand" (for example ["python3", "-m", "unsandbox_ls"]).'
  );
}

module.exports = {
  INSTALL_LINE,
  commandWords,
  settingWords,
  findExecutable,
  notFoundMessage,
  resolveServerCommand,
};
