-- "Run with arguments…" in a real Neovim (nvim --headless --clean -l headless_args.lua): the code
-- action runs the plugin's handler, which asks with vim.ui.input (answered here with the
-- remembered arguments plus one more), and the server runs the file with them. Prints one JSON
-- object on the last line of stdout; tests/editors/test_nvim.py makes the assertions.
--
-- Environment: UNSANDBOX_TEST_PLUGIN, UNSANDBOX_TEST_SERVER, UNSANDBOX_TEST_ARGV (a program that
-- prints its argv), and the local sandbox's UNSANDBOX_* variables.

local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
local harness = dofile(vim.fs.joinpath(here, 'harness.lua'))
local report = harness.start({ steps = {}, prompts = {}, stdout = {} })

local answers = { '5 --verbose', nil }
vim.ui.input = function(opts, on_confirm)
  table.insert(report.prompts, { prompt = opts.prompt, default = opts.default })
  local answer = (opts.default ~= '' and opts.default .. ' again') or answers[1]
  on_confirm(answer)
end

harness.load_plugin({})
vim.api.nvim_create_autocmd('User', {
  pattern = 'UnsandboxRunFinished',
  callback = function(ev)
    table.insert(report.stdout, ev.data.stdout)
  end,
})

vim.cmd.edit(vim.fn.fnameescape(vim.env.UNSANDBOX_TEST_ARGV))
local bufnr = vim.api.nvim_get_current_buf()
table.insert(report.steps, 'the unsandbox client')
harness.wait_client(bufnr, 'the unsandbox client')

-- the code action, as `gra` would pick it
local client = require('unsandbox').get_client(bufnr)
local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
params.context = { diagnostics = {}, only = { 'source.unsandbox.run.args' } }
local answer = client:request_sync('textDocument/codeAction', params, 10000, bufnr)
local action = answer and answer.result and answer.result[1]
report.action = action and action.title
client:exec_cmd(action.command, { bufnr = bufnr })
harness.wait_for('the first run', function()
  return #report.stdout >= 1
end)
table.insert(report.steps, 'the second run')
vim.cmd('Unsandbox args')
harness.wait_for('the second run', function()
  return #report.stdout >= 2
end)
harness.done()
