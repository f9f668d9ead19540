// @ts-check
// Resolve the `unsandbox.serverCommand` setting to an executable, without `vscode`.
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
  if (typeof value === 'string' && value.trim() !== '') {
    return value.trim().split(/\s+/);
  }
  if (Array.isArray(value)) {
    const words = value.filter((w) => typeof w === 'string' && w !== '');
    if (words.length > 0) {
      return words;
    }
  }
  return ['unsandbox-ls'];
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
    `unsandbox: cannot start the language server: "${words[0]}" was not found. ` +
    `Install it with \`${INSTALL_LINE}\`, or set "unsandbox.serverCommand" ` +
    '(for example ["python3", "-m", "unsandbox_ls"]).'
  );
}

module.exports = { INSTALL_LINE, commandWords, findExecutable, notFoundMessage };
