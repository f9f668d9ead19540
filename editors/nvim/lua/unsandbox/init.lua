--- Neovim client side of unsandbox-ls: the :Unsandbox command, the output split fed by the
--- server's notifications, code lens refresh and progress messages.
---
--- The plugin is split as conform.nvim is: `unsandbox.format` (pure formatting, tested on its
--- own), `unsandbox.output` (the split and the message line), `unsandbox.client` (the client, its
--- notification handlers, lenses, progress) and `unsandbox.commands` (`:Unsandbox`). This module
--- holds the configuration and gives every public function of those under one name, each loaded
--- when first used.
---
--- The handlers and the client-side commands are given to the unsandbox client alone, in
--- lsp/unsandbox.lua (`vim.lsp.enable('unsandbox')`); a config of another name can use
--- `require('unsandbox').handlers` and `require('unsandbox').commands`.
local M = {}

---@class unsandbox.Config
---@field open_output 'always'|'on_error'|'never' when to show the output split after a run
---@field output_height integer height of the output split
---@field codelens boolean refresh code lenses on BufEnter/InsertLeave/BufWritePost and after runs
---@field progress boolean echo the server's $/progress messages and each run's final state
---@field inlay_hints boolean turn inlay hints on for the run's buffer once the server has some
M.config = {
  open_output = 'always',
  output_height = 12,
  codelens = true,
  progress = true,
  -- results in place: turn inlay hints on for the buffer once a run has them
  inlay_hints = true,
}

---@param opts? unsandbox.Config
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
end

--- The handlers of the server's notifications and messages, for the client's `handlers`.
---@type table<string, lsp.Handler>
M.handlers = {
  ['unsandbox/runStarted'] = function(...)
    return require('unsandbox.client').on_run_started(...)
  end,
  ['unsandbox/runOutput'] = function(...)
    return require('unsandbox.client').on_run_output(...)
  end,
  ['unsandbox/runFinished'] = function(...)
    return require('unsandbox.client').on_run_finished(...)
  end,
  ['window/showMessage'] = function(...)
    return require('unsandbox.client').on_show_message(...)
  end,
}

--- The commands of the server's code actions and lenses run on the client, for the client's
--- `commands`: "Run with arguments…" asks for the arguments before the server runs the file.
---@type table<string, fun(command: lsp.Command, ctx: table)>
M.commands = {
  ['unsandbox.runWithArguments'] = function(_, ctx)
    return require('unsandbox.commands').run_with_arguments(ctx and ctx.bufnr or vim.api.nvim_get_current_buf())
  end,
}

local PARTS = { 'unsandbox.format', 'unsandbox.output', 'unsandbox.client', 'unsandbox.commands' }

return setmetatable(M, {
  __index = function(_, name)
    for _, part in ipairs(PARTS) do
      local value = require(part)[name]
      if value ~= nil then
        return value
      end
    end
    return nil
  end,
})
