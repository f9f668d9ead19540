--- The output split (`unsandbox://output`) and the one-line messages of the plugin.
local M = {}

local OUTPUT_NAME = 'unsandbox://output'

local state = {
  output_buf = nil, ---@type integer?
  open_line = false, -- whether the split's last line is a running program's unfinished line
}

---@return integer bufnr
function M.output_buffer()
  if state.output_buf and vim.api.nvim_buf_is_valid(state.output_buf) then
    return state.output_buf
  end
  local buf = vim.fn.bufnr(OUTPUT_NAME)
  if buf == -1 then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, OUTPUT_NAME)
  end
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].swapfile = false
  vim.bo[buf].filetype = 'unsandbox-output'
  vim.bo[buf].modifiable = false
  state.output_buf = buf
  return buf
end

--- Append lines to the output split and scroll its windows to the end.
---@param lines string[]
---@param new_block? boolean a blank line first, unless the buffer is empty
function M.append_lines(lines, new_block)
  local buf = M.output_buffer()
  vim.bo[buf].modifiable = true
  local count = vim.api.nvim_buf_line_count(buf)
  local empty = count == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ''
  local first = empty and 0 or count
  state.open_line = false
  if new_block and not empty then
    lines = vim.list_extend({ '' }, lines)
  end
  vim.api.nvim_buf_set_lines(buf, first, -1, false, lines)
  vim.bo[buf].modifiable = false
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    M.show_latest(win)
  end
end

--- Append a running program's output as it comes: text continues the split's last line when
--- the previous piece ended inside a line.
---@param text string
function M.append_text(text)
  if text == '' then
    return
  end
  local buf = M.output_buffer()
  local lines = vim.split(text, '\n', { plain = true })
  local ends_open = lines[#lines] ~= ''
  if not ends_open then
    table.remove(lines)
  end
  vim.bo[buf].modifiable = true
  local count = vim.api.nvim_buf_line_count(buf)
  if state.open_line then
    local last = vim.api.nvim_buf_get_lines(buf, count - 1, count, false)[1] or ''
    lines[1] = last .. lines[1]
    vim.api.nvim_buf_set_lines(buf, count - 1, count, false, lines)
  else
    vim.api.nvim_buf_set_lines(buf, count, count, false, lines)
  end
  vim.bo[buf].modifiable = false
  state.open_line = ends_open
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    M.show_latest(win)
  end
end

--- Scroll `win` to the end of the output, where the traceback and `[Done]` are.
---@param win integer
function M.show_latest(win)
  local buf = vim.api.nvim_win_get_buf(win)
  vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(buf), 0 })
  vim.api.nvim_win_call(win, function()
    vim.cmd('normal! zb')
  end)
end

--- Show the output split (below, without moving the cursor). Returns its window.
---@return integer winid
function M.open_output()
  local buf = M.output_buffer()
  local wins = vim.fn.win_findbuf(buf)
  if #wins > 0 then
    return wins[1]
  end
  local current = vim.api.nvim_get_current_win()
  local win = vim.api.nvim_open_win(buf, false, {
    split = 'below',
    win = -1,
    height = require('unsandbox').config.output_height,
  })
  vim.wo[win].number = false
  vim.wo[win].relativenumber = false
  vim.wo[win].wrap = false
  vim.wo[win].winfixheight = true
  M.show_latest(win)
  vim.api.nvim_set_current_win(current)
  return win
end

-- Messages ----------------------------------------------------------------------------------------

--- Whether vim.notify is Neovim's own (an echo), not a UI such as nvim-notify or noice.
---@return boolean
function M.builtin_notify()
  local info = debug.getinfo(vim.notify, 'S')
  return info ~= nil and info.source:find('vim/_editor.lua', 1, true) ~= nil
end

local HIGHLIGHT = {
  [vim.log.levels.ERROR] = 'ErrorMsg',
  [vim.log.levels.WARN] = 'WarningMsg',
  [vim.log.levels.INFO] = 'MoreMsg',
}

--- Show one line in the message area without a "Press ENTER" prompt: the first line of `text`,
--- cut to the room left beside the ruler, replacing the message shown before. A vim.notify
--- that some plugin replaced (nvim-notify, noice) gets the whole text instead.
---@param text string
---@param level? integer vim.log.levels
---@param history? boolean keep it in :messages
function M.say(text, level, history)
  if not M.builtin_notify() then
    vim.notify(text, level)
    return
  end
  local line = vim.split(text, '\n', { plain = true })[1]
  local room = math.max(vim.v.echospace, 20)
  if vim.fn.strdisplaywidth(line) > room then
    line = vim.fn.strcharpart(line, 0, room - 1)
    while vim.fn.strdisplaywidth(line) > room - 1 do
      line = vim.fn.strcharpart(line, 0, vim.fn.strchars(line) - 1)
    end
    line = line .. '…'
  end
  vim.cmd.redraw() -- start from an empty message area: one line never asks for ENTER
  vim.api.nvim_echo({ { line, HIGHLIGHT[level] or 'Normal' } }, history == true, {})
end

--- Show the output split, or close it when it is shown.
function M.toggle_output()
  local wins = vim.fn.win_findbuf(M.output_buffer())
  if #wins > 0 then
    for _, win in ipairs(wins) do
      vim.api.nvim_win_close(win, false)
    end
  else
    M.open_output()
  end
end

return M
