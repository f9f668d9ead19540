// "Run with arguments…": ask for the program's arguments before the server runs the file.
//
// The server's `unsandbox.runWithArguments` without `args` answers `{needsArgs: true, args}`
// with the file's remembered arguments (shell-quoted); with `args` it remembers them and runs
// the file. This executeCommand middleware turns the first answer into an input box.
'use strict';

const COMMAND = 'unsandbox.runWithArguments';

/** The last path segment of a URI, for the input box's title. */
function fileName(uri) {
  const path = decodeURIComponent(String(uri).replace(/[?#].*$/, ''));
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

/**
 * @param {(options: {title: string, value: string}) => Thenable<string | undefined>} ask
 *   shows the input box; undefined when the user pressed Escape
 * @param {() => string | undefined} activeUri the active editor's document, when the command
 *   came without one (the command palette)
 * @returns {(command: string, args: any[], next: (command: string, args: any[]) => any) => Promise<any>}
 */
function argumentsMiddleware(ask, activeUri) {
  return async (command, args, next) => {
    if (command !== COMMAND) {
      return next(command, args);
    }
    const first = args[0];
    const target =
      first !== null && typeof first === 'object'
        ? { ...first }
        : { uri: typeof first === 'string' ? first : activeUri() };
    if (typeof target.args === 'string' || Array.isArray(target.args)) {
      return next(command, [target]);
    }
    const answer = await next(command, [target]);
    if (!answer || answer.needsArgs !== true) {
      return answer; // refused (no file): the server said why
    }
    const value = await ask({
      title: `Run ${fileName(target.uri)} with arguments`,
      value: typeof answer.args === 'string' ? answer.args : '',
    });
    if (value === undefined) {
      return undefined; // Escape: nothing runs, nothing is forgotten
    }
    return next(command, [{ ...target, args: value }]);
  };
}

module.exports = { COMMAND, argumentsMiddleware, fileName };
