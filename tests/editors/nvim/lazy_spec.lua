-- Loads the lazy.nvim spec documented in editors/README.md in a real Neovim, then runs a file
-- through the plugin it set up. With UNSANDBOX_TEST_LAZY (a lazy.nvim checkout) lazy.nvim itself
-- loads the spec; without it the spec's own config function is called as lazy.nvim calls it,
-- with the plugin object { dir = … }. Prints one JSON object on the last stdout line.
--
-- Environment: UNSANDBOX_TEST_SPEC (the spec's Lua source, `dir` pointing at this repository),
-- UNSANDBOX_TEST_LAZY (optional), UNSANDBOX_TEST_FAILING, the UNSANDBOX_* variables of the
-- sandbox, and PATH holding `unsandbox-ls` (the spec's server command).

local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
local harness = dofile(vim.fs.joinpath(here, 'harness.lua'))
local report = harness.start({ notifications = {} })
local fail = harness.fail
harness.record_notifications(report.notifications)

local spec = assert(load(vim.env.UNSANDBOX_TEST_SPEC, 'spec'))()
local lazy = vim.env.UNSANDBOX_TEST_LAZY
if lazy and lazy ~= '' then
  vim.opt.rtp:prepend(lazy)
  local state = vim.fn.tempname()
  require('lazy').setup({
    spec = { spec },
    root = state .. '/plugins',
    lockfile = state .. '/lazy-lock.json',
    install = { missing = false },
    checker = { enabled = false },
    change_detection = { enabled = false },
    rocks = { enabled = false },
    performance = { reset_packpath = false, rtp = { reset = false } },
  })
  local plugin = require('lazy.core.config').plugins[spec.name]
  report.loader = 'lazy.nvim'
  report.lazy_loaded = plugin ~= nil and plugin._.loaded ~= nil
  report.lazy_dir = plugin and plugin.dir
else
  report.loader = 'config function'
  spec.config({ dir = vim.fs.normalize(spec.dir), name = spec.name }, {})
end

report.command = vim.fn.exists(':Unsandbox')
vim.cmd('filetype on')
vim.cmd.edit(vim.fn.fnameescape(vim.env.UNSANDBOX_TEST_FAILING))
local bufnr = vim.api.nvim_get_current_buf()
local finished = nil
vim.api.nvim_create_autocmd('User', {
  pattern = 'UnsandboxRunFinished',
  callback = function(ev)
    finished = ev.data
  end,
})
if not vim.wait(30000, function()
  local client = require('unsandbox').get_client(bufnr)
  return client ~= nil and client.initialized
end, 20) then
  fail('no unsandbox client attached')
end
report.client = vim.lsp.get_clients({ bufnr = bufnr })[1].name
vim.cmd('Unsandbox run')
if not vim.wait(30000, function()
  return finished ~= nil
end, 20) then
  fail('the run did not finish')
end
report.exit_code = finished.exitCode
harness.done()
