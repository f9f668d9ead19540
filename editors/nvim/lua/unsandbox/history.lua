--- Run history in Neovim: `:Unsandbox history` (vim.ui.select of the buffer's runs, opens the
--- chosen run's log) and `:Unsandbox diff` (the code, then the outputs, of the last two runs side
--- by side in diff mode, in a new tab). Both ask the server: `unsandbox.history` and `unsandbox.diffLastRun`.
local M = {}

local str = require('unsandbox').nonempty

---@param ms any
---@return string
local function seconds(ms)
  return type(ms) == 'number' and ('%.2f s'):format(ms / 1000) or '? s'
end

---@param run table a history record
---@return string
local function result(run)
  if type(run.exitCode) == 'number' then
    return 'exit ' .. run.exitCode
  end
  return str(run.status) or '?'
end

--- One line of the picker: `2026-01-01 10:00:00  orders.py  exit 1  0.42 s  from unsandbox-ls run`
--- (what part ran when not the whole file, then where the run was started).
---@param run table a history record
---@return string
function M.format_item(run)
  local when = (str(run.when) or ''):gsub('T', ' '):gsub('Z$', '')
  local name = vim.fs.basename(str(run.file) or '?')
  local parts = { when, name, result(run), seconds(run.durationMs) }
  if run.kind ~= 'file' and str(run.kind) then
    table.insert(parts, run.kind)
  end
  table.insert(parts, run.source == 'cli' and 'from unsandbox-ls run' or 'from the editor')
  return table.concat(parts, '  ')
end

--- Open a run's log file in a split below.
---@param run table a history record
function M.open_log(run)
  local path = str(run.logPath)
  if not path or vim.fn.filereadable(path) == 0 then
    vim.notify('unsandbox: this run left no log (' .. result(run) .. ')', vim.log.levels.WARN)
    return
  end
  vim.cmd.split({ args = { path }, mods = { split = 'belowright' } })
  vim.bo.readonly = true
end

--- `:Unsandbox history`: pick one of the buffer's runs, newest first, and open its log.
---@param bufnr integer
function M.pick(bufnr)
  require('unsandbox').exec('unsandbox.history', { { uri = vim.uri_from_bufnr(bufnr) } }, bufnr, function(runs)
    if type(runs) ~= 'table' or #runs == 0 then
      vim.notify('unsandbox: no runs of this file in the history yet', vim.log.levels.INFO)
      return
    end
    vim.ui.select(runs, { prompt = 'unsandbox runs', format_item = M.format_item, kind = 'unsandbox.history' }, function(run)
      if run then
        M.open_log(run)
      end
    end)
  end)
end

---@param name string
---@param text string
---@return integer bufnr
local function scratch(name, text)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split((text:gsub('\n$', '')), '\n', { plain = true }))
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].modifiable = false
  pcall(vim.api.nvim_buf_set_name, buf, name)
  return buf
end

--- `:Unsandbox diff`: the outputs of the buffer's last two runs in diff mode, in a new tab.
---@param bufnr integer
function M.diff(bufnr)
  require('unsandbox').exec('unsandbox.diffLastRun', { { uri = vim.uri_from_bufnr(bufnr) } }, bufnr, function(answer)
    if type(answer) ~= 'table' or str(answer.error) or type(answer.latest) ~= 'table' then
      local why = type(answer) == 'table' and str(answer.error) or 'no answer'
      vim.notify(why, vim.log.levels.WARN)
      return
    end
    local function label(which, run)
      return ('unsandbox://%s %s %s'):format(which, result(run), str(run.when) or str(run.runId) or '')
    end
    vim.cmd.tabnew()
    local left = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(left, scratch(label('previous', answer.previous), answer.previous.output or ''))
    vim.cmd.diffthis()
    vim.cmd('rightbelow vsplit')
    vim.api.nvim_win_set_buf(0, scratch(label('latest', answer.latest), answer.latest.output or ''))
    vim.cmd.diffthis()
    vim.notify('unsandbox: ' .. (str(answer.change) or ''), vim.log.levels.INFO)
  end)
end

return M
