--- :checkhealth unsandbox
local M = {}

local health = vim.health

---@return string[]? cmd of the server config, when it is a list
local function server_cmd()
  local ok, config = pcall(function()
    return vim.lsp.config.unsandbox
  end)
  if ok and type(config) == 'table' and type(config.cmd) == 'table' then
    return config.cmd
  end
  return nil
end

function M.check()
  health.start('Neovim')
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim 0.11 or newer is needed (vim.lsp.config / vim.lsp.enable)')
  end

  health.start('Language server')
  local cmd = server_cmd()
  if not cmd then
    health.warn(
      'no vim.lsp.config.unsandbox with a cmd list',
      { 'put editors/nvim on runtimepath, or call vim.lsp.config("unsandbox", { cmd = { ... } })' }
    )
  else
    local exe = vim.fn.exepath(cmd[1])
    if exe == '' then
      health.error(('%s not found on PATH'):format(cmd[1]), {
        'pip install unsandbox-ls',
        'or vim.lsp.config("unsandbox", { cmd = { "python3", "-m", "unsandbox_ls" } })',
      })
    else
      local args = vim.list_extend(vim.list_slice(cmd), { '--version' })
      local result = vim.system(args, { text = true }):wait(10000)
      if result.code == 0 then
        health.ok(('%s (%s)'):format(vim.trim(result.stdout or ''), exe))
      else
        health.warn(('%s --version failed: %s'):format(table.concat(cmd, ' '), vim.trim(result.stderr or '')))
      end
    end
  end
  if vim.lsp.is_enabled and vim.lsp.is_enabled('unsandbox') then
    health.ok("vim.lsp.enable('unsandbox') is on")
  else
    health.info("vim.lsp.enable('unsandbox') has not been called (fine if the server has another name)")
  end
  local clients = vim.tbl_filter(function(c)
    return require('unsandbox').is_unsandbox(c)
  end, vim.lsp.get_clients())
  if #clients > 0 then
    for _, c in ipairs(clients) do
      health.ok(('client %q (id %d) is running, root %s'):format(c.name, c.id, c.root_dir or '-'))
    end
  else
    health.info('no unsandbox client is running yet (open a file)')
  end

  health.start('Credentials')
  local env = vim.env
  if env.UNSANDBOX_PUBLIC_KEY and env.UNSANDBOX_SECRET_KEY then
    health.ok('UNSANDBOX_PUBLIC_KEY and UNSANDBOX_SECRET_KEY are set')
  elseif env.UNSANDBOX_API_KEY then
    health.ok('UNSANDBOX_API_KEY is set')
  elseif vim.uv.fs_stat(vim.fs.joinpath(vim.uv.os_homedir() or '~', '.unsandbox', 'accounts.csv')) then
    health.ok('~/.unsandbox/accounts.csv exists')
  else
    health.warn('no credentials found in the environment or ~/.unsandbox/accounts.csv', {
      'export UNSANDBOX_PUBLIC_KEY=... UNSANDBOX_SECRET_KEY=...',
      'or set settings.unsandbox.publicKey / secretKey in vim.lsp.config("unsandbox", ...)',
      'or run a local sandbox: unsandbox-ls sandbox, and set UNSANDBOX_BASE_URL',
    })
  end
  if env.UNSANDBOX_BASE_URL then
    health.info('UNSANDBOX_BASE_URL = ' .. env.UNSANDBOX_BASE_URL)
  end
end

return M
