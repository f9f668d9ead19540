--- The unsandbox client in Neovim: finding it, its commands, the handlers of its notifications
--- (given to that client only, in lsp/unsandbox.lua), code lens refresh and progress.
local M = {}

local format = require('unsandbox.format')
local output = require('unsandbox.output')
local str = format.nonempty

local RUN_FILE = 'unsandbox.runFile'

local state = {
  last = nil, ---@type table? last runFinished params
  running = {}, ---@type table<string, string> runId -> uri
  progress = nil, ---@type string? last progress message
  announced = {}, ---@type table<string, boolean> runIds whose [Running] lines are in the split
}

---@return unsandbox.Config
local function config()
  return require('unsandbox').config
end

--- `bufnr`, or the current buffer for nil or 0.
---@param bufnr? integer
---@return integer
local function buffer(bufnr)
  if bufnr == nil or bufnr == 0 then
    return vim.api.nvim_get_current_buf()
  end
  return bufnr
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
  bufnr = buffer(bufnr)
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
  bufnr = buffer(bufnr)
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


-- Notifications and messages ---------------------------------------------------------------------

local MESSAGE_LEVEL = {
  [1] = vim.log.levels.ERROR,
  [2] = vim.log.levels.WARN,
  [3] = vim.log.levels.INFO,
  [4] = vim.log.levels.DEBUG,
}

--- Handler of `window/showMessage` of the unsandbox client (given to it alone, in
--- lsp/unsandbox.lua): its run summaries as one line each, without a "Press ENTER" prompt.
---@type lsp.Handler
function M.on_show_message(_, params, ctx)
  if type(params) ~= 'table' then
    return vim.NIL
  end
  local message = tostring(params.message or '')
  local level = MESSAGE_LEVEL[params.type] or vim.log.levels.INFO
  if output.builtin_notify() then
    output.say(message, level, true)
  else -- a notification UI: named like Neovim's own handler names it
    local client = ctx and vim.lsp.get_client_by_id(ctx.client_id)
    vim.notify(('LSP[%s] %s'):format(client and client.name or 'unsandbox', message), level)
  end
  return vim.NIL
end

-- Code lenses ------------------------------------------------------------------------------------

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
  if not config().codelens or type(uri) ~= 'string' then
    return
  end
  local ok, buf = pcall(vim.uri_to_bufnr, uri)
  if ok and vim.api.nvim_buf_is_loaded(buf) then
    M.refresh_lenses(buf)
  end
end

-- Results in place -------------------------------------------------------------------------------

--- Once the server has inlay hints for the run's buffer (each line's output, the values at the
--- failure), turn inlay hints on for that buffer.
---@param uri any
local function show_hints_for(uri)
  if not config().inlay_hints or type(uri) ~= 'string' or not vim.lsp.inlay_hint then
    return
  end
  local ok, buf = pcall(vim.uri_to_bufnr, uri)
  if not ok or not vim.api.nvim_buf_is_loaded(buf) or vim.lsp.inlay_hint.is_enabled({ bufnr = buf }) then
    return
  end
  local client = M.get_client(buf)
  if not client then
    return
  end
  local last = math.max(vim.api.nvim_buf_line_count(buf), 1)
  local params = {
    textDocument = { uri = uri },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = last, character = 0 } },
  }
  client:request('textDocument/inlayHint', params, function(err, result)
    if err == nil and type(result) == 'table' and #result > 0 and vim.api.nvim_buf_is_loaded(buf) then
      vim.lsp.inlay_hint.enable(true, { bufnr = buf })
    end
  end, buf)
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
  output.append_lines(format.format_start(params), true)
  if config().open_output == 'always' then
    output.open_output()
  end
  refresh_lenses_for(params.uri)
  vim.api.nvim_exec_autocmds('User', { pattern = 'UnsandboxRunStarted', data = params, modeline = false })
end

--- Handler of `unsandbox/runOutput`: what a running program printed since the last piece.
---@type lsp.Handler
function M.on_run_output(_, params)
  if type(params) ~= 'table' then
    return
  end
  local text = format.strip_ansi(str(params.stdout) or '') .. format.strip_ansi(str(params.stderr) or '')
  output.append_text(text)
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
  output.append_lines(format.format_run(params, started), not started)
  local failed = params.status ~= 'cancelled' and ((str(params.error) ~= nil) or params.exitCode ~= 0)
  if config().open_output == 'always' or (config().open_output == 'on_error' and failed) then
    output.open_output()
  end
  refresh_lenses_for(params.uri)
  show_hints_for(params.uri)
  -- the message line ends in the run's final state (not the last progress message)
  if config().progress and output.builtin_notify() then
    output.say(str(params.summary) or format.done_line(params), failed and vim.log.levels.ERROR or nil)
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
  if config().progress and text ~= '' and value.kind ~= 'end' and output.builtin_notify() then
    output.say('unsandbox: ' .. text)
  end
  vim.cmd.redrawstatus()
end

---@param bufnr integer
function M.on_attach(bufnr)
  if not config().codelens then
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

return M
