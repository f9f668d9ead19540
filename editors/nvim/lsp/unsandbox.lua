---@brief
---
--- unsandbox-ls runs the file you are editing in an unsandbox sandbox (the hosted API or a local
--- `unsandbox-ls sandbox`) and turns the program's stderr into diagnostics.
---
--- Install the server with `pip install unsandbox-ls`, put this folder on 'runtimepath', then:
---
--- ```lua
--- vim.lsp.enable('unsandbox')
--- ```
---
--- Credentials come from the `UNSANDBOX_PUBLIC_KEY` / `UNSANDBOX_SECRET_KEY` (or `UNSANDBOX_API_KEY`)
--- environment variables, from `~/.unsandbox/accounts.csv`, or from `settings.unsandbox`. With none
--- of them (and no base URL), runs go to a local bubblewrap sandbox the server starts itself
--- (`settings.unsandbox.backend`: 'auto' | 'hosted' | 'local'). A failed run offers actions through
--- Neovim's `window/showMessageRequest` handler, i.e. `vim.ui.select`.
--- No `filetypes`: the server runs any language the API knows, so it attaches to every filetype.

---@type vim.lsp.Config
return {
  cmd = { 'unsandbox-ls' },
  root_markers = { '.git' },
  -- Sent as initializationOptions and served to workspace/configuration (section "unsandbox").
  -- Keys: backend, notify, baseUrl, account, networkMode, ttl, env, inputFiles, returnArtifact,
  -- returnWasmArtifact, vcpu, artifactDirectory, mode, runOnSave, clearOnChange, openOutputLog,
  -- languageMap, discoverImports, extraRoots, stdin, args, inPlace (see editors/README.md).
  settings = { unsandbox = {} },
  init_options = {},
  -- the plugin shows runFinished's `notice` (runs going to the local sandbox) in its split
  capabilities = { experimental = { unsandbox = { notices = true, arguments = true } } },
  -- this client's own handlers: its output, its results, its messages (no other server's)
  handlers = {
    ['unsandbox/runStarted'] = function(...)
      return require('unsandbox').handlers['unsandbox/runStarted'](...)
    end,
    ['unsandbox/runOutput'] = function(...)
      return require('unsandbox').handlers['unsandbox/runOutput'](...)
    end,
    ['unsandbox/runFinished'] = function(...)
      return require('unsandbox').handlers['unsandbox/runFinished'](...)
    end,
    ['window/showMessage'] = function(...)
      return require('unsandbox').handlers['window/showMessage'](...)
    end,
  },
  -- commands of its code actions run here: "Run with arguments…" asks before the server runs
  commands = {
    ['unsandbox.runWithArguments'] = function(...)
      return require('unsandbox').commands['unsandbox.runWithArguments'](...)
    end,
  },
  before_init = function(params, config)
    params.initializationOptions = vim.tbl_deep_extend(
      'force',
      params.initializationOptions or {},
      { unsandbox = (config.settings or {}).unsandbox or {} }
    )
  end,
}
