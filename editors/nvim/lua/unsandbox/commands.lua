--- `:Unsandbox` and its subcommands.
local M = {}

local client = require('unsandbox.client')
local format = require('unsandbox.format')
local output = require('unsandbox.output')

---@param bufnr integer
---@return table {uri}
local function file_arg(bufnr)
  return { uri = vim.uri_from_bufnr(bufnr) }
end

--- Subcommands of :Unsandbox: each gets the buffer and the command's range (1-based lines).
---@type table<string, fun(bufnr: integer, line1: integer, line2: integer, has_range: boolean)>
M.subcommands = {
  run = function(bufnr)
    client.exec('unsandbox.runFile', { file_arg(bufnr) }, bufnr)
  end,
  shebang = function(bufnr)
    client.exec('unsandbox.runShebang', { file_arg(bufnr) }, bufnr)
  end,
  selection = function(bufnr, line1, line2)
    local last = vim.api.nvim_buf_get_lines(bufnr, line2 - 1, line2, false)[1] or ''
    local arg = file_arg(bufnr)
    arg.range = {
      start = { line = line1 - 1, character = 0 },
      ['end'] = { line = line2 - 1, character = #last },
    }
    client.exec('unsandbox.runSelection', { arg }, bufnr)
  end,
  cell = function(bufnr)
    local cursor = vim.api.nvim_win_get_cursor(0)
    local pos = { line = cursor[1] - 1, character = 0 }
    local arg = file_arg(bufnr)
    arg.range = { start = pos, ['end'] = pos }
    client.exec('unsandbox.runCell', { arg }, bufnr)
  end,
  cancel = function(bufnr)
    client.exec('unsandbox.cancel', { file_arg(bufnr) }, bufnr)
  end,
  jobs = function(bufnr)
    client.exec('unsandbox.listJobs', {}, bufnr, function(result)
      output.append_lines(format.format_jobs(result), true)
      output.open_output()
    end)
  end,
  -- the server opens the full output log of the buffer's last run (window/showDocument)
  output = function(bufnr)
    client.exec('unsandbox.showOutput', { file_arg(bufnr) }, bufnr)
  end,
  -- the output split of this plugin, fed by unsandbox/runFinished
  split = function()
    output.toggle_output()
  end,
}

--- "Run with arguments…": ask the server for the file's remembered arguments, let the user edit
--- them (vim.ui.input), then run the file with them (the server remembers them for later runs).
--- Sent with `client:request`, so the client-side command of the code action (the `commands` of
--- lsp/unsandbox.lua, which calls this) is not called again.
---@param bufnr? integer
function M.run_with_arguments(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  local lsp_client = client.get_client(bufnr)
  if not lsp_client then
    vim.notify('unsandbox: the language server is not running (see :checkhealth unsandbox)', vim.log.levels.ERROR)
    return
  end
  local function send(arg, on_result)
    lsp_client:request('workspace/executeCommand', { command = 'unsandbox.runWithArguments', arguments = { arg } },
      function(err, result)
        if err then
          vim.notify('unsandbox: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
        elseif on_result then
          on_result(result)
        end
      end, bufnr)
  end
  send(file_arg(bufnr), function(result)
    local current = type(result) == 'table' and type(result.args) == 'string' and result.args or ''
    vim.ui.input({ prompt = 'Arguments: ', default = current }, function(input)
      if input ~= nil then
        local arg = file_arg(bufnr)
        arg.args = input
        send(arg)
      end
    end)
  end)
end
M.subcommands.args = function(bufnr)
  M.run_with_arguments(bufnr)
end

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
