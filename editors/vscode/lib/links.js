// @ts-check
// Links in the "Unsandbox" output channel (language `unsandbox-output`), found line by line:
// VS Code's own link detection stops at the first space of a path, so a traceback in a folder
// named "my project" was not clickable. Pure functions, no `vscode` import (node --test).
'use strict';

const { fileURLToPath } = require('url');

/**
 * @typedef {{start: number, end: number, path: string, line?: number, column?: number}} Link
 * `start`/`end` are offsets in the line; `line`/`column` are 1-based when known.
 */

/** Python's `File "/a b/x.py", line 5`, Ruby's and others' quoted `"path", line N`. */
const QUOTED_FRAME = /"(\/[^"]+)", line (\d+)/g;
/** `file:///a%20b/x.log` (the [Log] and [Artifact] lines), optionally `:line[:col]`. */
const FILE_URI = /file:\/\/[^\s"'<>]+/g;
/** The whole rest of a `[File] /path` line (written when a run starts). */
const FILE_LINE = /^\[File\] (\/.+)$/;
/** `/path/x.py:12:5`, a path without spaces (compilers, the CLI's problem lines). */
const PATH_LINE_COL = /(?<![\w./-])(\/[^\s:"'()]+):(\d+)(?::(\d+))?/g;

/**
 * The links of one line of the output channel.
 * @param {string} text
 * @returns {Link[]}
 */
function findLinks(text) {
  /** @type {Link[]} */
  const links = [];
  const taken = (/** @type {number} */ start, /** @type {number} */ end) =>
    links.some((l) => start < l.end && end > l.start);
  const fileLine = FILE_LINE.exec(text);
  if (fileLine) {
    const start = text.length - fileLine[1].length;
    links.push({ start, end: text.length, path: fileLine[1] });
    return links;
  }
  for (const m of text.matchAll(FILE_URI)) {
    const start = m.index ?? 0;
    let uri = m[0].replace(/[.,;)]+$/, '');
    const position = /:(\d+)(?::(\d+))?$/.exec(uri);
    /** @type {Link} */
    const link = { start, end: start + uri.length, path: '' };
    if (position) {
      uri = uri.slice(0, position.index);
      link.line = Number(position[1]);
      link.column = position[2] ? Number(position[2]) : undefined;
    }
    try {
      link.path = fileURLToPath(uri);
    } catch {
      continue;
    }
    links.push(link);
  }
  for (const m of text.matchAll(QUOTED_FRAME)) {
    const start = (m.index ?? 0) + 1;
    const end = start + m[1].length;
    if (!taken(start, end)) {
      links.push({ start, end, path: m[1], line: Number(m[2]) });
    }
  }
  for (const m of text.matchAll(PATH_LINE_COL)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (!taken(start, end)) {
      const column = m[3] ? Number(m[3]) : undefined;
      links.push({ start, end, path: m[1], line: Number(m[2]), column });
    }
  }
  return links.sort((a, b) => a.start - b.start);
}

module.exports = { findLinks };
