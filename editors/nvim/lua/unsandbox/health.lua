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
    health.info('no API keys found: runs go to the local sandbox on this machine (backend "auto")', {
      'to run on unsandbox.com: export UNSANDBOX_PUBLIC_KEY=... UNSANDBOX_SECRET_KEY=...',
      'or set settings.unsandbox.publicKey / secretKey in vim.lsp.config("unsandbox", ...)',
    })
  end
  if env.UNSANDBOX_BASE_URL then
    health.info('UNSANDBOX_BASE_URL = ' .. env.UNSANDBOX_BASE_URL)
  end

  M.check_backend(cmd)
end

--- The flags of `unsandbox-ls doctor` that repeat the config's settings.
---@return string[]
local function doctor_flags()
  local ok, config = pcall(function()
    return vim.lsp.config.unsandbox
  end)
  local settings = ok and type(config) == 'table' and ((config.settings or {}).unsandbox or {}) or {}
  local flags = {}
  if type(settings.backend) == 'string' and settings.backend ~= '' then
    vim.list_extend(flags, { '--backend', settings.backend })
  end
  if type(settings.baseUrl) == 'string' and settings.baseUrl ~= '' then
    vim.list_extend(flags, { '--base-url', settings.baseUrl })
  end
  if type(settings.account) == 'number' then
    vim.list_extend(flags, { '--account', tostring(settings.account) })
  end
  return flags
end

--- Where runs go, checked for real: `unsandbox-ls doctor` contacts /health (of the API, or of a
--- local sandbox it starts when no keys are configured) and reports each check on one line.
---@param cmd string[]?
function M.check_backend(cmd)
  health.start('Backend (unsandbox-ls doctor)')
  if not cmd or vim.fn.exepath(cmd[1]) == '' then
    health.warn('skipped: the language server command is not available')
    return
  end
  local args = vim.list_extend(vim.list_slice(cmd), { 'doctor' })
  vim.list_extend(args, doctor_flags())
  local ok, result = pcall(function()
    return vim.system(args, { text = true }):wait(60000)
  end)
  if not ok or result.code == nil then
    health.error(('%s did not finish: %s'):format(table.concat(args, ' '), tostring(result)))
    return
  end
  local errors = 0
  for line in vim.gsplit(result.stdout or '', '\n', { trimempty = true }) do
    -- doctor's lines: "[ok] <label padded to 12> <text>"
    local mark, rest = line:match('^%[(..)%] (.*)$')
    local text = rest and (vim.trim(rest:sub(1, 12)) .. ': ' .. vim.trim(rest:sub(13))) or line
    if mark == 'ok' then
      health.ok(text)
    elseif mark == '!!' then
      errors = errors + 1
      health.error(text)
    elseif mark then
      health.info(text)
    end
  end
  if result.code ~= 0 and errors == 0 then
    health.error(
      ('%s exited with %d: %s'):format(table.concat(args, ' '), result.code, vim.trim(result.stderr or ''))
    )
  end
end

return M
