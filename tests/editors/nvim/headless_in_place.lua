-- Results in place in a real Neovim (nvim --headless --clean -l headless_in_place.lua): after a
-- run whose lines wrote output, the plugin turns inlay hints on for the buffer, and Neovim then
-- holds the server's hints. Prints one JSON object on the last line of stdout;
-- tests/editors/test_nvim.py makes the assertions.
--
-- Environment: UNSANDBOX_TEST_PLUGIN, UNSANDBOX_TEST_SERVER, UNSANDBOX_TEST_ARGV (the program),
-- and the local sandbox's UNSANDBOX_* variables.

local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
local harness = dofile(vim.fs.joinpath(here, 'harness.lua'))
local report = harness.start({ steps = {}, finished = 0 })

harness.load_plugin({})
vim.api.nvim_create_autocmd('User', {
  pattern = 'UnsandboxRunFinished',
  callback = function(ev)
    report.finished = report.finished + 1
    report.stdout = ev.data.stdout
  end,
})

vim.cmd.edit(vim.fn.fnameescape(vim.env.UNSANDBOX_TEST_ARGV))
local bufnr = vim.api.nvim_get_current_buf()
harness.wait_client(bufnr, 'the unsandbox client')
report.enabled_before = vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr })
vim.cmd('Unsandbox run')
harness.wait_for('the run', function()
  return report.finished >= 1
end)
harness.wait_for('inlay hints turned on', function()
  return vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr })
end)
harness.wait_for('the hints', function()
  return #vim.lsp.inlay_hint.get({ bufnr = bufnr }) > 0
end)
report.hints = {}
for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = bufnr })) do
  local label = item.inlay_hint.label
  table.insert(report.hints, { line = item.inlay_hint.position.line, label = type(label) == 'string' and label or '' })
end
harness.done()
