-- Drives a real Neovim (nvim --headless --clean -l headless_run.lua) through what a user does with
-- the plugin in editors/nvim, and prints one JSON object of what it saw on the last line of stdout.
-- tests/editors/test_nvim.py starts it and makes the assertions. Exits 1 on a timeout.
--
-- Environment: UNSANDBOX_TEST_PLUGIN (editors/nvim), UNSANDBOX_TEST_SERVER (JSON list: the server
-- command), UNSANDBOX_TEST_FAILING, UNSANDBOX_TEST_LONG and UNSANDBOX_TEST_NOISY (the programs), plus the
-- UNSANDBOX_* variables that point the server at the local sandbox.

local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
local harness = dofile(vim.fs.joinpath(here, 'harness.lua'))
local report = harness.start({ steps = {}, progress = {}, notifications = {} })
local wait_for = harness.wait_for

local function step(name)
  table.insert(report.steps, name)
  io.stderr:write('step: ', name, '\n')
end

-- Notifications and messages are recorded instead of shown.
harness.record_notifications(report.notifications)
local unsandbox = harness.load_plugin()

vim.api.nvim_create_autocmd('LspProgress', {
  callback = function(ev)
    local value = ev.data.params.value
    if type(value) == 'table' then
      table.insert(report.progress, { kind = value.kind, title = value.title, message = value.message })
    end
  end,
})

local finished = {}
-- the output split as it was when each run started (runStarted handled, runFinished not yet)
local split_at_start = {}
vim.api.nvim_create_autocmd('User', {
  pattern = 'UnsandboxRunStarted',
  callback = function()
    table.insert(split_at_start, vim.api.nvim_buf_get_lines(unsandbox.output_buffer(), 0, -1, false))
  end,
})
vim.api.nvim_create_autocmd('User', {
  pattern = 'UnsandboxRunFinished',
  callback = function(ev)
    table.insert(finished, ev.data)
  end,
})

--- A JSON-safe copy of one runFinished notification.
local function run_summary(run)
  local function v(x)
    return x ~= vim.NIL and x or nil
  end
  return {
    runId = v(run.runId),
    logPath = v(run.logPath),
    language = v(run.language),
    kind = v(run.kind),
    status = v(run.status),
    exitCode = v(run.exitCode),
    stdout = v(run.stdout),
    stderr = v(run.stderr),
    summary = v(run.summary),
    jobId = v(run.jobId),
    error = v(run.error),
  }
end

local function diagnostics(bufnr)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out, { lnum = d.lnum, severity = d.severity, source = d.source, message = d.message })
  end
  return out
end

local function lens_titles(bufnr)
  local titles = {}
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    if lens.command then
      table.insert(titles, lens.command.title)
    end
  end
  return titles
end

local function has_lens(bufnr, fragment)
  for _, title in ipairs(lens_titles(bufnr)) do
    if title:find(fragment, 1, true) then
      return true
    end
  end
  return false
end

--- Press the code lens whose title contains `fragment`, as `vim.lsp.codelens.run()` does for the
--- cursor line, answering its vim.ui.select menu the way a user would.
local function run_lens(fragment)
  local original = vim.ui.select
  local offered = nil
  vim.ui.select = function(items, opts, on_choice)
    offered = {}
    for index, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      table.insert(offered, title)
      if title:find(fragment, 1, true) then
        vim.ui.select = original
        on_choice(item, index)
        return
      end
    end
    vim.ui.select = original
    on_choice(nil, nil)
  end
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.lsp.codelens.run()
  vim.ui.select = original
  return offered
end

local function open(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for('the unsandbox client to attach to ' .. path, function()
    local client = unsandbox.get_client(bufnr)
    return client ~= nil and client.initialized and #vim.lsp.get_clients({ bufnr = bufnr }) > 0
  end)
  return bufnr
end

local function wait_finished(count, what)
  wait_for(what, function()
    return #finished >= count
  end)
  return finished[count]
end

-- 1. A failing file, run with :Unsandbox run ---------------------------------------------------
step('open failing file')
local failing = open(vim.env.UNSANDBOX_TEST_FAILING)
report.filetype = vim.bo[failing].filetype

step(':Unsandbox run')
vim.cmd('Unsandbox run')
local first = wait_finished(1, 'runFinished after :Unsandbox run')
wait_for('diagnostics on the failing file', function()
  return #vim.diagnostic.get(failing) > 0
end)
report.command_run = run_summary(first)
report.split_when_started = split_at_start[1]
report.command_diagnostics = diagnostics(failing)
report.output_lines = vim.api.nvim_buf_get_lines(unsandbox.output_buffer(), 0, -1, false)
report.output_windows = #vim.fn.win_findbuf(unsandbox.output_buffer())

-- 2. The same file, run through its code lens --------------------------------------------------
step('code lens')
wait_for('the "Run remotely" and result code lenses', function()
  vim.lsp.codelens.refresh({ bufnr = failing })
  vim.wait(100)
  return has_lens(failing, 'Run remotely') and has_lens(failing, 'exit 1')
end)
report.lenses_after_run = lens_titles(failing)
vim.diagnostic.reset(nil, failing)
report.lens_menu = run_lens('Run remotely')
local second = wait_finished(2, 'runFinished after the code lens')
wait_for('diagnostics after the code lens run', function()
  return #vim.diagnostic.get(failing) > 0
end)
report.lens_run = run_summary(second)
report.lens_diagnostics = diagnostics(failing)

-- 3. Two lines of it as a selection, the job list, the split toggled ------------------------------
step(':5,6Unsandbox selection')
vim.cmd('5,6Unsandbox selection')
report.selection_run = run_summary(wait_finished(3, 'runFinished after :Unsandbox selection'))
step(':Unsandbox jobs')
local before = vim.api.nvim_buf_line_count(unsandbox.output_buffer())
vim.cmd('Unsandbox jobs')
wait_for('the job list in the output split', function()
  local lines = vim.api.nvim_buf_get_lines(unsandbox.output_buffer(), before, -1, false)
  for _, line in ipairs(lines) do
    if line:find('^%[Jobs%]') then
      return true
    end
  end
  return false
end)
report.jobs_lines = vim.api.nvim_buf_get_lines(unsandbox.output_buffer(), before - 1, -1, false)
vim.cmd('Unsandbox split')
report.windows_after_split_toggle = #vim.fn.win_findbuf(unsandbox.output_buffer())
vim.cmd('Unsandbox split')

-- 3b. 2,000 lines, colours and an error at the end: the split shows its end, without escapes ------
step('noisy file')
local noisy = open(vim.env.UNSANDBOX_TEST_NOISY)
vim.cmd('Unsandbox run')
report.noisy_run = run_summary(wait_finished(4, 'runFinished of the noisy program'))
local split_win = vim.fn.win_findbuf(unsandbox.output_buffer())[1]
report.noisy_split_windows = #vim.fn.win_findbuf(unsandbox.output_buffer())
report.noisy_lines = vim.api.nvim_buf_get_lines(unsandbox.output_buffer(), 0, -1, false)
report.noisy_line_count = #report.noisy_lines
report.noisy_last_visible = split_win and vim.fn.line('w$', split_win) or -1
report.noisy_first_visible = split_win and vim.fn.line('w0', split_win) or -1
report.noisy_visible = split_win
    and vim.api.nvim_buf_get_lines(unsandbox.output_buffer(), report.noisy_first_visible - 1, report.noisy_last_visible, false)
  or {}
local log = io.open(report.noisy_run.logPath, 'rb')
report.noisy_log = log and log:read('*a') or ''
if log then
  log:close()
end
vim.cmd.buffer(failing)
vim.api.nvim_buf_delete(noisy, { force = true })

-- 4. A long program, cancelled ------------------------------------------------------------------
step('open long file')
local long = open(vim.env.UNSANDBOX_TEST_LONG)
vim.cmd('Unsandbox run')
step('wait for the cancel lens')
wait_for('the "Cancel" code lens while the program runs', function()
  vim.lsp.codelens.refresh({ bufnr = long })
  vim.wait(200)
  return has_lens(long, 'Cancel')
end)
report.lenses_while_running = lens_titles(long)
step('wait for what it printed while it runs')
wait_for('"started" in the output split while the long program runs', function()
  return vim.list_contains(vim.api.nvim_buf_get_lines(unsandbox.output_buffer(), 0, -1, false), 'started')
end)
report.output_while_running = vim.api.nvim_buf_get_lines(unsandbox.output_buffer(), 0, -1, false)
local cancel_started = vim.uv.hrtime()
step(':Unsandbox cancel')
vim.cmd('Unsandbox cancel')
local third = wait_finished(5, 'runFinished after :Unsandbox cancel')
report.cancel_seconds = (vim.uv.hrtime() - cancel_started) / 1e9
report.cancelled_run = run_summary(third)
report.output_after_cancel = vim.api.nvim_buf_get_lines(unsandbox.output_buffer(), 0, -1, false)
-- The server ends a run's progress right after its runFinished notification.
wait_for('the progress of the five runs to end', function()
  local ended = 0
  for _, p in ipairs(report.progress) do
    ended = ended + (p.kind == 'end' and 1 or 0)
  end
  return ended >= 5
end, 5000)
report.status_line = unsandbox.status()

-- 5. :Unsandbox output on the failing file: the server opens its output log (showDocument) -------
step(':Unsandbox output')
vim.cmd.buffer(failing)
vim.cmd('Unsandbox output')
local log_buf = nil
wait_for('a window showing the output log', function()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    local buf = vim.api.nvim_win_get_buf(win)
    if vim.api.nvim_buf_get_name(buf):match('%.log$') then
      log_buf = buf
      return true
    end
  end
  return false
end)
report.log_name = vim.fs.basename(vim.api.nvim_buf_get_name(log_buf))
report.log_text = table.concat(vim.api.nvim_buf_get_lines(log_buf, 0, -1, false), '\n')
report.focus_kept = vim.api.nvim_get_current_buf() == failing

step('done')
harness.done()
