-- unsandbox-ls for Neovim 0.11+: the :Unsandbox command, the output split, code lens refresh and
-- progress messages. The server itself is configured by lsp/unsandbox.lua; enable it with
--   vim.lsp.enable('unsandbox')
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
  desc = 'unsandbox: run | shebang | selection | cell | cancel | jobs | output | split | history | diff',
})

-- Notifications of the server, whatever name its config has.
vim.lsp.handlers['unsandbox/runStarted'] = function(...)
  return require('unsandbox').on_run_started(...)
end
vim.lsp.handlers['unsandbox/runFinished'] = function(...)
  return require('unsandbox').on_run_finished(...)
end
vim.lsp.handlers['unsandbox/runOutput'] = function(...)
  return require('unsandbox').on_run_output(...)
end

-- The server's one-line run summaries, shown without a "Press ENTER" prompt.
vim.lsp.handlers['window/showMessage'] =
  require('unsandbox').show_message_handler(vim.lsp.handlers['window/showMessage'])

local group = vim.api.nvim_create_augroup('unsandbox', { clear = true })

vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  callback = function(ev)
    local client = vim.lsp.get_client_by_id(ev.data.client_id)
    if client and require('unsandbox').is_unsandbox(client) then
      require('unsandbox').on_attach(ev.buf)
    end
  end,
})

vim.api.nvim_create_autocmd('LspProgress', {
  group = group,
  callback = function(ev)
    require('unsandbox').on_progress(ev)
  end,
})
