-- unsandbox-ls for Neovim 0.11+: the :Unsandbox command, the output split, code lens refresh and
-- progress messages. The server itself is configured by lsp/unsandbox.lua (with the handlers of
-- its notifications); enable it with
--   vim.lsp.enable('unsandbox')
--
-- Nothing is loaded here: lua/unsandbox is required the first time the command is used or an
-- unsandbox client attaches or reports progress. No handler of another server is touched.
--
-- Suggested mappings (not set by the plugin):
--   vim.keymap.set('n', '<leader>rr', vim.lsp.codelens.run, { desc = 'Run the code lens on this line' })
--   vim.keymap.set('n', '<leader>rf', '<Cmd>Unsandbox run<CR>', { desc = 'unsandbox: run file' })
--   vim.keymap.set('x', '<leader>rs', ':Unsandbox selection<CR>', { desc = 'unsandbox: run selection' })
--   vim.keymap.set('n', '<leader>rc', '<Cmd>Unsandbox cancel<CR>', { desc = 'unsandbox: cancel' })
if vim.g.loaded_unsandbox then
  return
end
vim.g.loaded_unsandbox = true

if vim.fn.has('nvim-0.11') == 0 then
  vim.notify_once('unsandbox: Neovim 0.11 or newer is needed', vim.log.levels.WARN)
  return
end

vim.api.nvim_create_user_command('Unsandbox', function(opts)
  require('unsandbox').command(opts)
end, {
  nargs = '?',
  range = true,
  complete = function(arg_lead)
    return require('unsandbox').complete(arg_lead)
  end,
  desc = 'unsandbox: run | args | shebang | selection | cell | cancel | jobs | output | split | history | diff',
})

--- Whether the client of `client_id` is an unsandbox-ls (it offers unsandbox.runFile), without
--- loading the plugin for other servers.
---@param client_id integer
---@return vim.lsp.Client?
local function unsandbox_client(client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  local provider = client and client.server_capabilities and client.server_capabilities.executeCommandProvider
  if type(provider) == 'table' and vim.list_contains(provider.commands or {}, 'unsandbox.runFile') then
    return client
  end
  return nil
end

local group = vim.api.nvim_create_augroup('unsandbox', { clear = true })

vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  callback = function(ev)
    if unsandbox_client(ev.data.client_id) then
      require('unsandbox').on_attach(ev.buf)
    end
  end,
})

vim.api.nvim_create_autocmd('LspProgress', {
  group = group,
  callback = function(ev)
    if unsandbox_client(ev.data.client_id) then
      require('unsandbox').on_progress(ev)
    end
  end,
})
