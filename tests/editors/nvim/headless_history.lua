-- Drives a real Neovim through the run history of the plugin in editors/nvim: two runs of a file
-- with different output, `:Unsandbox history` (vim.ui.select, then the chosen log) and
-- `:Unsandbox diff` (both outputs in diff mode). Prints one JSON object on the last stdout line;
-- tests/editors/test_nvim_history.py makes the assertions. Exits 1 on a timeout.
--
-- Environment: UNSANDBOX_TEST_PLUGIN (editors/nvim), UNSANDBOX_TEST_SERVER (JSON list: the server
-- command), UNSANDBOX_TEST_FAILING (the program), and the UNSANDBOX_* variables of the sandbox.

local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
local harness = dofile(vim.fs.joinpath(here, 'harness.lua'))
local report = harness.start({ notifications = {} })
local wait_for = harness.wait_for

harness.record_notifications(report.notifications)
harness.load_plugin({ setup = { open_output = 'never' } })

local finished = 0
vim.api.nvim_create_autocmd('User', {
  pattern = 'UnsandboxRunFinished',
  callback = function()
    finished = finished + 1
  end,
})

vim.cmd.edit(vim.fn.fnameescape(vim.env.UNSANDBOX_TEST_FAILING))
local source = vim.api.nvim_get_current_buf()
harness.wait_client(source, 'the client')

vim.cmd('Unsandbox run')
wait_for('the first run', function()
  return finished == 1
end)
-- the edit (unsaved: what runs is the buffer) makes the second run succeed with other output
local lines = vim.api.nvim_buf_get_lines(source, 0, -1, false)
for i, line in ipairs(lines) do
  lines[i] = line:gsub('"pear"', '"apple"')
end
vim.api.nvim_buf_set_lines(source, 0, -1, false, lines)
vim.cmd('Unsandbox run')
wait_for('the second run', function()
  return finished == 2
end)

-- :Unsandbox history: the picker shows both runs; the user picks the older one
local picked = false
vim.ui.select = function(items, opts, on_choice)
  report.prompt = opts.prompt
  report.items = vim.tbl_map(opts.format_item, items)
  report.item_logs = vim.tbl_map(function(item)
    return item.logPath
  end, items)
  picked = true
  on_choice(items[2], 2)
end
vim.cmd('Unsandbox history')
wait_for('the history picker and the log', function()
  return picked and vim.api.nvim_get_current_buf() ~= source
end)
report.opened = vim.api.nvim_buf_get_name(0)
report.opened_lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
report.windows_after_history = #vim.api.nvim_tabpage_list_wins(0)

-- :Unsandbox diff, from the source buffer
vim.cmd.only()
vim.api.nvim_set_current_buf(source)
vim.cmd('Unsandbox diff')
wait_for('the diff tab', function()
  return #vim.api.nvim_list_tabpages() == 2 and #vim.api.nvim_tabpage_list_wins(0) == 2
end)
report.diff = {}
for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
  local buf = vim.api.nvim_win_get_buf(win)
  table.insert(report.diff, {
    name = vim.api.nvim_buf_get_name(buf),
    diff = vim.wo[win].diff,
    lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false),
  })
end
-- the lines diff mode marks as changed/added in the latest output
local latest_win = vim.api.nvim_tabpage_list_wins(0)[2]
report.highlighted = {}
vim.api.nvim_win_call(latest_win, function()
  for lnum = 1, vim.api.nvim_buf_line_count(0) do
    if vim.fn.diff_hlID(lnum, 1) ~= 0 then
      table.insert(report.highlighted, vim.fn.getline(lnum))
    end
  end
end)
harness.done()
