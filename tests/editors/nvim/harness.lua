-- What the headless Neovim scripts beside this file share: the JSON report printed on the last
-- line of stdout, failing with it, waiting with a timeout, recording notifications instead of
-- showing them, and loading the plugin in editors/nvim with the server under test. Each script
-- loads it with `dofile` (they run as `nvim --headless --clean -l script.lua`).
--
-- Environment: UNSANDBOX_TEST_TIMEOUT_MS (default 30000), UNSANDBOX_TEST_PLUGIN (editors/nvim),
-- UNSANDBOX_TEST_SERVER (JSON list: the server command).

local M = {}

M.TIMEOUT = tonumber(vim.env.UNSANDBOX_TEST_TIMEOUT_MS or '30000')

--- The report, with the fields `report` starts with; `M.report` for the functions below.
---@param report table
---@return table
function M.start(report)
  M.report = report
  return report
end

--- Print the report, with `message` as its failure, and exit 1.
---@param message string
function M.fail(message)
  M.report.failure = message
  io.stdout:write(vim.json.encode(M.report), '\n')
  io.stderr:write('FAILED: ', message, '\n')
  os.exit(1)
end

--- Print the report and exit 0.
function M.done()
  io.stdout:write(vim.json.encode(M.report), '\n')
  os.exit(0)
end

--- Wait for `cond`, or fail with `what`.
---@param what string
---@param cond fun(): boolean
---@param timeout integer?
function M.wait_for(what, cond, timeout)
  if not vim.wait(timeout or M.TIMEOUT, cond, 20) then
    M.fail('timed out waiting for ' .. what)
  end
end

--- Record vim.notify's messages in `into` instead of showing them.
---@param into table
function M.record_notifications(into)
  vim.notify = function(msg, level)
    table.insert(into, { msg = msg, level = level })
  end
end

--- Load the plugin from UNSANDBOX_TEST_PLUGIN and enable its client with the server command of
--- UNSANDBOX_TEST_SERVER; `setup` (optional) goes to `unsandbox.setup`, `settings` (optional) to
--- the client's settings. Returns the `unsandbox` module.
---@param opts { setup: table?, settings: table? }?
---@return table
function M.load_plugin(opts)
  opts = opts or {}
  vim.opt.rtp:prepend(vim.env.UNSANDBOX_TEST_PLUGIN)
  vim.cmd('filetype on')
  vim.cmd.runtime('plugin/unsandbox.lua')
  local unsandbox = require('unsandbox')
  if opts.setup then
    unsandbox.setup(opts.setup)
  end
  vim.lsp.config('unsandbox', {
    cmd = vim.json.decode(vim.env.UNSANDBOX_TEST_SERVER),
    root_markers = { 'failing.py' },
    settings = opts.settings,
  })
  vim.lsp.enable('unsandbox')
  return unsandbox
end

--- Wait until the unsandbox client of `bufnr` is initialized (`what` names the wait).
---@param bufnr integer
---@param what string
function M.wait_client(bufnr, what)
  M.wait_for(what, function()
    local client = require('unsandbox').get_client(bufnr)
    return client ~= nil and client.initialized
  end)
end

return M
