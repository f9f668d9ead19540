-- A failure message with actions in a real Neovim (nvim --headless --clean -l headless_actions.lua):
-- with backend "hosted" and no keys, the run fails; the server asks with window/showMessageRequest,
-- which Neovim 0.11 shows with vim.ui.select; choosing "Use the local sandbox" switches the
-- session, and the next run works there. Prints one JSON object on the last line of stdout;
-- tests/editors/test_nvim.py makes the assertions. Exits 1 on a timeout.
--
-- Environment: UNSANDBOX_TEST_PLUGIN (editors/nvim), UNSANDBOX_TEST_SERVER (JSON list: the server
-- command), UNSANDBOX_TEST_FAILING (the failing program); no UNSANDBOX_* key variable.

local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
local harness = dofile(vim.fs.joinpath(here, 'harness.lua'))
local report = harness.start({ steps = {}, messages = {}, selects = {} })

local function wait_for(what, cond)
  table.insert(report.steps, what)
  harness.wait_for(what, cond)
end

-- the plugin's handler of the client's window/showMessage says them through vim.notify here
harness.record_notifications(report.messages)

-- The user picks "Use the local sandbox" in the menu Neovim shows for window/showMessageRequest.
vim.ui.select = function(items, opts, on_choice)
  local titles = {}
  for _, item in ipairs(items) do
    table.insert(titles, opts.format_item and opts.format_item(item) or tostring(item))
  end
  table.insert(report.selects, { prompt = opts.prompt, items = titles })
  for index, title in ipairs(titles) do
    if title == 'Use the local sandbox' then
      on_choice(items[index], index)
      return
    end
  end
  on_choice(nil, nil)
end

harness.load_plugin({ settings = { unsandbox = { backend = 'hosted' } } })

local finished = {}
vim.api.nvim_create_autocmd('User', {
  pattern = 'UnsandboxRunFinished',
  callback = function(ev)
    local run = ev.data
    local function v(x)
      return x ~= vim.NIL and x or nil
    end
    table.insert(finished, { status = v(run.status), exitCode = v(run.exitCode), summary = v(run.summary) })
  end,
})

vim.cmd.edit(vim.fn.fnameescape(vim.env.UNSANDBOX_TEST_FAILING))
local bufnr = vim.api.nvim_get_current_buf()
table.insert(report.steps, 'the unsandbox client')
harness.wait_client(bufnr, 'the unsandbox client')

vim.cmd('Unsandbox run')
wait_for('the failed run', function()
  return #finished >= 1
end)
wait_for('the menu of actions', function()
  return #report.selects >= 1
end)
wait_for('the switch to the local sandbox', function()
  for _, m in ipairs(report.messages) do
    if m.msg:find('now go to the local sandbox', 1, true) then
      return true
    end
  end
  return false
end)

vim.cmd('Unsandbox run')
wait_for('the local run', function()
  return #finished >= 2
end)
wait_for('diagnostics', function()
  return #vim.diagnostic.get(bufnr) > 0
end)
report.finished = finished
report.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(report.diagnostics, { lnum = d.lnum, severity = d.severity, message = d.message })
end
harness.done()
