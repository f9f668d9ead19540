--- Neovim client side of unsandbox-ls: the :Unsandbox command, the output split fed by the
--- `unsandbox/runFinished` notification, code lens refresh and progress messages.
---
--- Works with the server config in lsp/unsandbox.lua (`vim.lsp.enable('unsandbox')`) or any other
--- name: the client is found by the commands it offers, not by its name.
local M = {}

---@class unsandbox.Config
---@field open_output 'always'|'on_error'|'never' when to show the output split after a run
---@field output_height integer height of the output split
---@field codelens boolean refresh code lenses on BufEnter/InsertLeave/BufWritePost and after runs
---@field progress boolean echo the server's $/progress messages
M.config = {
  open_output = 'always',
  output_height = 12,
  codelens = true,
  progress = true,
}

local RUN_FILE = 'unsandbox.runFile'
local OUTPUT_NAME = 'unsandbox://output'

local state = {
  output_buf = nil, ---@type integer?
  last = nil, ---@type table? last runFinished params
  running = {}, ---@type table<string, string> runId -> uri
  progress = nil, ---@type string? last progress message
  announced = {}, ---@type table<string, boolean> runIds whose [Running] lines are in the split
  open_line = false, -- whether the split's last line is a running program's unfinished line
  later = {}, ---@type table<string, boolean> runIds whose output the API shows only at the end
}

---@param opts? unsandbox.Config
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
end

---@param client vim.lsp.Client
---@return boolean
function M.is_unsandbox(client)
  local provider = client.server_capabilities and client.server_capabilities.executeCommandProvider
  return type(provider) == 'table' and vim.list_contains(provider.commands or {}, RUN_FILE)
end

--- The unsandbox client attached to `bufnr`, else any running unsandbox client.
---@param bufnr? integer
---@return vim.lsp.Client?
function M.get_client(bufnr)
  bufnr = vim._resolve_bufnr(bufnr)
  for _, client in ipairs(vim.lsp.get_clients({ bufnr = bufnr })) do
    if M.is_unsandbox(client) then
      return client
    end
  end
  for _, client in ipairs(vim.lsp.get_clients()) do
    if M.is_unsandbox(client) then
      return client
    end
  end
  return nil
end

--- Send `workspace/executeCommand` through `client:exec_cmd`.
---@param command string e.g. 'unsandbox.runFile'
---@param arguments table
---@param bufnr? integer
---@param on_result? fun(result: any)
---@return boolean sent
function M.exec(command, arguments, bufnr, on_result)
  bufnr = vim._resolve_bufnr(bufnr)
  local client = M.get_client(bufnr)
  if not client then
    vim.notify(
      'unsandbox: the language server is not running (see :checkhealth unsandbox)',
      vim.log.levels.ERROR
    )
    return false
  end
  client:exec_cmd(
    { title = command, command = command, arguments = arguments },
    { bufnr = bufnr },
    function(err, result)
      if err then
        vim.notify(('unsandbox: %s: %s'):format(command, err.message or vim.inspect(err)), vim.log.levels.ERROR)
      elseif on_result then
        on_result(result)
      end
    end
  )
  return true
end

-- Output split ------------------------------------------------------------------------------------

--- `420` -> `0.4 s`, `12345` -> `12 s`, `125000` -> `2 min 5 s`: the server's summary durations.
---@param ms any
---@return string
function M.seconds(ms)
  if type(ms) ~= 'number' or ms < 0 then
    return ''
  end
  local s = ms / 1000
  if s < 10 then
    return s >= 0.1 and ('%.1f s'):format(s) or ('%.2f s'):format(s)
  elseif s < 120 then
    return ('%d s'):format(math.floor(s + 0.5))
  end
  return ('%d min %d s'):format(math.floor(s / 60), math.floor(s % 60))
end

---@param run table runFinished params
---@return string
local function outcome(run)
  if run.status == 'cancelled' then
    return 'cancelled'
  elseif run.status == 'timeout' then
    return 'timed out'
  elseif run.error and run.error ~= vim.NIL then
    return 'error'
  elseif type(run.exitCode) == 'number' then
    return 'exit ' .. run.exitCode
  end
  return run.status or 'finished'
end

--- `value` if it is a non-empty string; nil for anything else (vim.NIL, a number, '').
--- The run history (unsandbox.history) reads the server's answers with it too.
---@param value any
---@return string?
function M.nonempty(value)
  if type(value) == 'string' and value ~= '' then
    return value
  end
  return nil
end
local str = M.nonempty

--- The text without terminal escape sequences (colours, cursor moves, titles), which the split
--- would show as `^[[31m`. runFinished's stdout/stderr and the log file keep them.
---@param text string
---@return string
function M.strip_ansi(text)
  text = text:gsub('\27%[[0-?]*[ -/]*[@-~]', '') -- CSI: colours, cursor moves, erase
  text = text:gsub('\27%][^\7\27]*\7', '') -- OSC ended by BEL: titles
  text = text:gsub('\27%][^\7\27]*\27\\', '') -- OSC ended by ST: hyperlinks
  text = text:gsub('\27[PX^_][^\27]*\27\\', '') -- DCS, SOS, PM, APC strings
  text = text:gsub('\27[ -/]*[0-~]', '') -- other escapes: ESC ( B, ESC 7, ESC =
  return text
end

--- The `[Running] main.py · python` and `[File] …` lines written when a run starts.
---@param run table runStarted (or runFinished) params
---@return string[]
function M.format_start(run)
  local uri = str(run.uri)
  local fname = uri
  if uri then
    local ok, path = pcall(vim.uri_to_fname, uri)
    fname = ok and path or uri
  end
  local parts = { fname and vim.fs.basename(fname) or 'buffer', str(run.language) or 'unknown language' }
  if str(run.kind) and run.kind ~= 'file' then
    table.insert(parts, run.kind)
  end
  local lines = { '[Running] ' .. table.concat(parts, ' · ') }
  if fname then
    table.insert(lines, '[File] ' .. fname)
  end
  return lines
end

--- `[Done] exit 1 in 0.3 s · orders.py`: how the run ended, how long it took, which file. The
--- error itself is in the output above it (or on the `[Error]` line), said once.
---@param run table runFinished params
---@return string
function M.done_line(run)
  local took = M.seconds(run.durationMs)
  local how
  if run.status == 'cancelled' then
    how = took ~= '' and ('cancelled after ' .. took) or 'cancelled'
  elseif run.status == 'timeout' then
    how = took ~= '' and ('timed out after ' .. took) or 'timed out'
  elseif str(run.error) then
    how = 'not run'
  elseif type(run.exitCode) == 'number' then
    how = took ~= '' and ('exit %d in %s'):format(run.exitCode, took) or ('exit ' .. run.exitCode)
  else
    how = str(run.status) or 'finished'
  end
  local name = 'buffer'
  if str(run.uri) then
    local ok, path = pcall(vim.uri_to_fname, run.uri)
    name = vim.fs.basename(ok and path or run.uri)
  end
  local parts = { how, name }
  if str(run.kind) and run.kind ~= 'file' then
    table.insert(parts, run.kind)
  end
  return '[Done] ' .. table.concat(parts, ' · ')
end

--- Lines of the output split for one finished run: its output without escape sequences (unless
--- it was shown piece by piece already: `streamed`), then `[Done] …` and the log's path on a
--- line of its own (`gf` opens it); with the `[Running]` lines first unless they were written
--- when it started.
---@param run table runFinished params
---@param started? boolean whether format_start(run) is in the split already
---@return string[]
function M.format_run(run, started)
  local lines = started and {} or M.format_start(run)
  if str(run.error) and run.status ~= 'cancelled' then
    vim.list_extend(lines, vim.split('[Error] ' .. run.error, '\n', { plain = true }))
  end
  if run.streamed ~= true then
    for _, stream in ipairs({ run.stdout, run.stderr }) do
      if str(stream) then
        local text = M.strip_ansi(stream):gsub('\n$', '')
        vim.list_extend(lines, vim.split(text, '\n', { plain = true }))
      end
    end
  end
  for _, artifact in ipairs(type(run.artifacts) == 'table' and run.artifacts or {}) do
    table.insert(lines, '[Artifact] ' .. (str(artifact.path) or str(artifact.filename) or '?'))
  end
  table.insert(lines, M.done_line(run))
  if str(run.logPath) then
    table.insert(lines, '[Log] ' .. run.logPath)
  end
  if str(run.notice) then
    table.insert(lines, '[Note] ' .. run.notice)
  end
  return lines
end

---@return integer bufnr
function M.output_buffer()
  if state.output_buf and vim.api.nvim_buf_is_valid(state.output_buf) then
    return state.output_buf
  end
  local buf = vim.fn.bufnr(OUTPUT_NAME)
  if buf == -1 then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, OUTPUT_NAME)
  end
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = 'unsandbox-output'
  vim.bo[buf].modifiable = false
  state.output_buf = buf
  return buf
end

--- Append lines to the output split and scroll its windows to the end.
---@param lines string[]
---@param new_block? boolean a blank line first, unless the buffer is empty
local function append_output(lines, new_block)
  local buf = M.output_buffer()
  vim.bo[buf].modifiable = true
  local count = vim.api.nvim_buf_line_count(buf)
  local empty = count == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ''
  local first = empty and 0 or count
  state.open_line = false
  if new_block and not empty then
    lines = vim.list_extend({ '' }, lines)
  end
  vim.api.nvim_buf_set_lines(buf, first, -1, false, lines)
  vim.bo[buf].modifiable = false
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    M.show_latest(win)
  end
end

--- Append a running program's output as it comes: text continues the split's last line when
--- the previous piece ended inside a line.
---@param text string
local function append_text(text)
  if text == '' then
    return
  end
  local buf = M.output_buffer()
  local lines = vim.split(text, '\n', { plain = true })
  local ends_open = lines[#lines] ~= ''
  if not ends_open then
    table.remove(lines)
  end
  vim.bo[buf].modifiable = true
  local count = vim.api.nvim_buf_line_count(buf)
  if state.open_line then
    local last = vim.api.nvim_buf_get_lines(buf, count - 1, count, false)[1] or ''
    lines[1] = last .. lines[1]
    vim.api.nvim_buf_set_lines(buf, count - 1, count, false, lines)
  else
    vim.api.nvim_buf_set_lines(buf, count, count, false, lines)
  end
  vim.bo[buf].modifiable = false
  state.open_line = ends_open
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    M.show_latest(win)
  end
end

--- Scroll `win` to the end of the output, where the traceback and `[Done]` are.
---@param win integer
function M.show_latest(win)
  local buf = vim.api.nvim_win_get_buf(win)
  vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(buf), 0 })
  vim.api.nvim_win_call(win, function()
    vim.cmd('normal! zb')
  end)
end

--- Show the output split (below, without moving the cursor). Returns its window.
---@return integer winid
function M.open_output()
  local buf = M.output_buffer()
  local wins = vim.fn.win_findbuf(buf)
  if #wins > 0 then
    return wins[1]
  end
  local current = vim.api.nvim_get_current_win()
  local win = vim.api.nvim_open_win(buf, false, {
    split = 'below',
    win = -1,
    height = M.config.output_height,
  })
  vim.wo[win].number = false
  vim.wo[win].relativenumber = false
  vim.wo[win].wrap = false
  vim.wo[win].winfixheight = true
  M.show_latest(win)
  vim.api.nvim_set_current_win(current)
  return win
end

-- Messages ----------------------------------------------------------------------------------------

--- Whether vim.notify is Neovim's own (an echo), not a UI such as nvim-notify or noice.
---@return boolean
local function builtin_notify()
  local info = debug.getinfo(vim.notify, 'S')
  return info ~= nil and info.source:find('vim/_editor.lua', 1, true) ~= nil
end

local HIGHLIGHT = {
  [vim.log.levels.ERROR] = 'ErrorMsg',
  [vim.log.levels.WARN] = 'WarningMsg',
  [vim.log.levels.INFO] = 'MoreMsg',
}

--- Show one line in the message area without a "Press ENTER" prompt: the first line of `text`,
--- cut to the room left beside the ruler, replacing the message shown before. A vim.notify
--- that some plugin replaced (nvim-notify, noice) gets the whole text instead.
---@param text string
---@param level? integer vim.log.levels
---@param history? boolean keep it in :messages
function M.say(text, level, history)
  if not builtin_notify() then
    vim.notify(text, level)
    return
  end
  local line = vim.split(text, '\n', { plain = true })[1]
  local room = math.max(vim.v.echospace, 20)
  if vim.fn.strdisplaywidth(line) > room then
    line = vim.fn.strcharpart(line, 0, room - 1)
    while vim.fn.strdisplaywidth(line) > room - 1 do
      line = vim.fn.strcharpart(line, 0, vim.fn.strchars(line) - 1)
    end
    line = line .. '…'
  end
  vim.cmd.redraw() -- start from an empty message area: one line never asks for ENTER
  vim.api.nvim_echo({ { line, HIGHLIGHT[level] or 'Normal' } }, history == true, {})
end

local MESSAGE_LEVEL = {
  [1] = vim.log.levels.ERROR,
  [2] = vim.log.levels.WARN,
  [3] = vim.log.levels.INFO,
  [4] = vim.log.levels.DEBUG,
}

--- Handler of `window/showMessage`: the unsandbox server's run summaries as one line each;
--- other servers' messages go to `fallback` (Neovim's own handler).
---@param fallback lsp.Handler
---@return lsp.Handler
function M.show_message_handler(fallback)
  return function(err, params, ctx, config)
    local client = ctx and vim.lsp.get_client_by_id(ctx.client_id)
    if not client or not M.is_unsandbox(client) or type(params) ~= 'table' then
      return fallback(err, params, ctx, config)
    end
    local message = tostring(params.message or '')
    local level = MESSAGE_LEVEL[params.type] or vim.log.levels.INFO
    if builtin_notify() then
      M.say(message, level, true)
    else -- a notification UI: named like Neovim's own handler names it
      vim.notify(('LSP[%s] %s'):format(client.name, message), level)
    end
    return vim.NIL
  end
end

-- Notifications -----------------------------------------------------------------------------------

-- Neovim 0.12 keeps enabled lenses up to date itself (it answers workspace/codeLens/refresh);
-- 0.11 draws them only when asked with vim.lsp.codelens.refresh().
local auto_lenses = vim.fn.has('nvim-0.12') == 1 and type(vim.lsp.codelens.enable) == 'function'

--- Ask for the code lenses of `bufnr` again (0.11), or turn them on once (0.12+).
---@param bufnr integer
function M.refresh_lenses(bufnr)
  if auto_lenses and pcall(vim.lsp.codelens.enable, true, { bufnr = bufnr }) then
    return
  end
  vim.lsp.codelens.refresh({ bufnr = bufnr })
end

---@param uri any
local function refresh_lenses_for(uri)
  if not M.config.codelens or type(uri) ~= 'string' then
    return
  end
  local ok, buf = pcall(vim.uri_to_bufnr, uri)
  if ok and vim.api.nvim_buf_is_loaded(buf) then
    M.refresh_lenses(buf)
  end
end

--- Handler of `unsandbox/runStarted`.
---@type lsp.Handler
function M.on_run_started(_, params)
  if type(params) ~= 'table' then
    return
  end
  state.running[tostring(params.runId or params.uri)] = params.uri
  if params.runId then
    state.announced[tostring(params.runId)] = true
  end
  append_output(M.format_start(params), true)
  if M.config.open_output == 'always' then
    M.open_output()
  end
  refresh_lenses_for(params.uri)
end

--- Handler of `unsandbox/runOutput`: what a running program printed since the last piece.
---@type lsp.Handler
function M.on_run_output(_, params)
  if type(params) ~= 'table' then
    return
  end
  if params.live == false and params.runId then
    state.later[tostring(params.runId)] = true
  end
  local text = M.strip_ansi(str(params.stdout) or '') .. M.strip_ansi(str(params.stderr) or '')
  append_text(text)
end

--- Handler of `unsandbox/runFinished`.
---@type lsp.Handler
function M.on_run_finished(_, params)
  if type(params) ~= 'table' then
    return
  end
  state.last = params
  local id = params.runId and tostring(params.runId)
  if id then
    state.running[id] = nil
  end
  local started = id ~= nil and state.announced[id] == true
  if id then
    state.announced[id] = nil
  end
  if id then
    state.later[id] = nil
  end
  append_output(M.format_run(params, started), not started)
  local failed = params.status ~= 'cancelled' and ((str(params.error) ~= nil) or params.exitCode ~= 0)
  if M.config.open_output == 'always' or (M.config.open_output == 'on_error' and failed) then
    M.open_output()
  end
  refresh_lenses_for(params.uri)
  -- the message line ends in the run's final state (not the last progress message)
  if M.config.progress and builtin_notify() then
    M.say(str(params.summary) or M.done_line(params), failed and vim.log.levels.ERROR or nil)
  end
  vim.api.nvim_exec_autocmds('User', { pattern = 'UnsandboxRunFinished', data = params, modeline = false })
end

--- The last runFinished params, or nil.
function M.last_run()
  return state.last
end

--- Statusline text: the running job count or the last progress message.
---@return string
function M.status()
  local n = vim.tbl_count(state.running)
  if n > 0 then
    return state.progress and ('unsandbox: ' .. state.progress) or ('unsandbox: running ' .. n)
  end
  return ''
end

---@param ev {data: {client_id: integer, params: lsp.ProgressParams}}
function M.on_progress(ev)
  local client = vim.lsp.get_client_by_id(ev.data.client_id)
  if not client or not M.is_unsandbox(client) then
    return
  end
  local value = ev.data.params.value
  if type(value) ~= 'table' then
    return
  end
  local title = type(value.title) == 'string' and value.title:gsub('^unsandbox: ', '') or nil
  local text = table.concat(vim.tbl_filter(function(s)
    return type(s) == 'string' and s ~= ''
  end, { title, value.message }), ': ')
  state.progress = value.kind ~= 'end' and text or nil
  -- the end is said by the server's summary (window/showMessage): echoing it too would stack
  -- two lines and ask for ENTER
  if M.config.progress and text ~= '' and value.kind ~= 'end' and builtin_notify() then
    M.say('unsandbox: ' .. text)
  end
  vim.cmd.redrawstatus()
end

---@param bufnr integer
function M.on_attach(bufnr)
  if not M.config.codelens then
    return
  end
  local group = vim.api.nvim_create_augroup('unsandbox.codelens.' .. bufnr, { clear = true })
  if not auto_lenses then
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
      group = group,
      buffer = bufnr,
      callback = function()
        vim.lsp.codelens.refresh({ bufnr = bufnr })
      end,
    })
  end
  M.refresh_lenses(bufnr)
end

-- :Unsandbox --------------------------------------------------------------------------------------

---@param bufnr integer
---@return table {uri}
local function file_arg(bufnr)
  return { uri = vim.uri_from_bufnr(bufnr) }
end

--- Lines of the output split for an `unsandbox.listJobs` answer.
---@param result any
---@return string[]
function M.format_jobs(result)
  if type(result) ~= 'table' then
    return { '[Jobs] ' .. vim.inspect(result), '' }
  end
  local lines = { '[Jobs] ' .. (str(result.summary) or str(result.error) or 'no answer') }
  for _, job in ipairs(type(result.jobs) == 'table' and result.jobs or {}) do
    local fields = {}
    for _, value in ipairs({ job.jobId, job.status, job.language }) do
      table.insert(fields, str(value) or '-')
    end
    table.insert(lines, '  ' .. table.concat(fields, '  '))
  end
  return lines
end

--- Show the output split, or close it when it is shown.
function M.toggle_output()
  local wins = vim.fn.win_findbuf(M.output_buffer())
  if #wins > 0 then
    for _, win in ipairs(wins) do
      vim.api.nvim_win_close(win, false)
    end
  else
    M.open_output()
  end
end

--- Subcommands of :Unsandbox: each gets the buffer and the command's range (1-based lines).
---@type table<string, fun(bufnr: integer, line1: integer, line2: integer, has_range: boolean)>
M.subcommands = {
  run = function(bufnr)
    M.exec('unsandbox.runFile', { file_arg(bufnr) }, bufnr)
  end,
  shebang = function(bufnr)
    M.exec('unsandbox.runShebang', { file_arg(bufnr) }, bufnr)
  end,
  selection = function(bufnr, line1, line2)
    local last = vim.api.nvim_buf_get_lines(bufnr, line2 - 1, line2, false)[1] or ''
    local arg = file_arg(bufnr)
    arg.range = {
      start = { line = line1 - 1, character = 0 },
      ['end'] = { line = line2 - 1, character = #last },
    }
    M.exec('unsandbox.runSelection', { arg }, bufnr)
  end,
  cell = function(bufnr)
    local cursor = vim.api.nvim_win_get_cursor(0)
    local pos = { line = cursor[1] - 1, character = 0 }
    local arg = file_arg(bufnr)
    arg.range = { start = pos, ['end'] = pos }
    M.exec('unsandbox.runCell', { arg }, bufnr)
  end,
  cancel = function(bufnr)
    M.exec('unsandbox.cancel', { file_arg(bufnr) }, bufnr)
  end,
  jobs = function(bufnr)
    M.exec('unsandbox.listJobs', {}, bufnr, function(result)
      append_output(M.format_jobs(result), true)
      M.open_output()
    end)
  end,
  -- the server opens the full output log of the buffer's last run (window/showDocument)
  output = function(bufnr)
    M.exec('unsandbox.showOutput', { file_arg(bufnr) }, bufnr)
  end,
  -- the output split of this plugin, fed by unsandbox/runFinished
  split = function()
    M.toggle_output()
  end,
}

-- run history (lua/unsandbox/history.lua)
M.subcommands.history = function(bufnr)
  require('unsandbox.history').pick(bufnr)
end
M.subcommands.diff = function(bufnr)
  require('unsandbox.history').diff(bufnr)
end

---@param opts vim.api.keyset.create_user_command.command_args
function M.command(opts)
  local name = opts.fargs[1] or 'run'
  local fn = M.subcommands[name]
  if not fn then
    vim.notify(
      ('unsandbox: unknown subcommand %q (one of: %s)'):format(name, table.concat(vim.tbl_keys(M.subcommands), ', ')),
      vim.log.levels.ERROR
    )
    return
  end
  local bufnr = vim.api.nvim_get_current_buf()
  if name == 'selection' and opts.range == 0 then
    vim.notify('unsandbox: give a range, e.g. :\'<,\'>Unsandbox selection', vim.log.levels.ERROR)
    return
  end
  fn(bufnr, opts.line1, opts.line2, opts.range > 0)
end

---@param arg_lead string
---@return string[]
function M.complete(arg_lead)
  local names = vim.tbl_keys(M.subcommands)
  table.sort(names)
  return vim.tbl_filter(function(n)
    return vim.startswith(n, arg_lead)
  end, names)
end

return M
