--- Pure formatting of what the plugin shows: the output split's lines, durations, the job list.
--- No editor state and no LSP: tests call these functions directly.
local M = {}

--- `420` -> `0.4 s`, `12345` -> `12 s`, `125000` -> `2 min 5 s`: the server's summary durations.
---@param ms any
---@return string
function M.seconds(ms)
  if type(ms) ~= 'number' or ms < 0 then
    return ''
  end
  local s = ms / 1000
  if s < 10 then
    return s >= 0.1 and ('%.1f s'):format(s) or ('%.2f s'):format(s)
  elseif s < 120 then
    return ('%d s'):format(math.floor(s + 0.5))
  end
  return ('%d min %d s'):format(math.floor(s / 60), math.floor(s % 60))
end

---@param run table runFinished params
---@return string
local function outcome(run)
  if run.status == 'cancelled' then
    return 'cancelled'
  elseif run.status == 'timeout' then
    return 'timed out'
  elseif run.error and run.error ~= vim.NIL then
    return 'error'
  elseif type(run.exitCode) == 'number' then
    return 'exit ' .. run.exitCode
  end
  return run.status or 'finished'
end

--- `value` if it is a non-empty string; nil for anything else (vim.NIL, a number, '').
--- The run history (unsandbox.history) reads the server's answers with it too.
---@param value any
---@return string?
function M.nonempty(value)
  if type(value) == 'string' and value ~= '' then
    return value
  end
  return nil
end
local str = M.nonempty

--- The text without terminal escape sequences (colours, cursor moves, titles), which the split
--- would show as `^[[31m`. runFinished's stdout/stderr and the log file keep them.
---@param text string
---@return string
function M.strip_ansi(text)
  text = text:gsub('\27%[[0-?]*[ -/]*[@-~]', '') -- CSI: colours, cursor moves, erase
  text = text:gsub('\27%][^\7\27]*\7', '') -- OSC ended by BEL: titles
  text = text:gsub('\27%][^\7\27]*\27\\', '') -- OSC ended by ST: hyperlinks
  text = text:gsub('\27[PX^_][^\27]*\27\\', '') -- DCS, SOS, PM, APC strings
  text = text:gsub('\27[ -/]*[0-~]', '') -- other escapes: ESC ( B, ESC 7, ESC =
  return text
end

--- The `[Running] main.py · python` and `[File] …` lines written when a run starts.
---@param run table runStarted (or runFinished) params
---@return string[]
function M.format_start(run)
  local uri = str(run.uri)
  local fname = uri
  if uri then
    local ok, path = pcall(vim.uri_to_fname, uri)
    fname = ok and path or uri
  end
  local parts = { fname and vim.fs.basename(fname) or 'buffer', str(run.language) or 'unknown language' }
  if str(run.kind) and run.kind ~= 'file' then
    table.insert(parts, run.kind)
  end
  local lines = { '[Running] ' .. table.concat(parts, ' · ') }
  if fname then
    table.insert(lines, '[File] ' .. fname)
  end
  return lines
end

--- `[Done] exit 1 in 0.3 s · orders.py`: how the run ended, how long it took, which file. The
--- error itself is in the output above it (or on the `[Error]` line), said once.
---@param run table runFinished params
---@return string
function M.done_line(run)
  local took = M.seconds(run.durationMs)
  local how
  if run.status == 'cancelled' then
    how = took ~= '' and ('cancelled after ' .. took) or 'cancelled'
  elseif run.status == 'timeout' then
    how = took ~= '' and ('timed out after ' .. took) or 'timed out'
  elseif str(run.error) then
    how = 'not run'
  elseif type(run.exitCode) == 'number' then
    how = took ~= '' and ('exit %d in %s'):format(run.exitCode, took) or ('exit ' .. run.exitCode)
  else
    how = str(run.status) or 'finished'
  end
  local name = 'buffer'
  if str(run.uri) then
    local ok, path = pcall(vim.uri_to_fname, run.uri)
    name = vim.fs.basename(ok and path or run.uri)
  end
  local parts = { how, name }
  if str(run.kind) and run.kind ~= 'file' then
    table.insert(parts, run.kind)
  end
  return '[Done] ' .. table.concat(parts, ' · ')
end

--- Lines of the output split for one finished run: its output without escape sequences (unless
--- it was shown piece by piece already: `streamed`), then `[Done] …` and the log's path on a
--- line of its own (`gf` opens it); with the `[Running]` lines first unless they were written
--- when it started.
---@param run table runFinished params
---@param started? boolean whether format_start(run) is in the split already
---@return string[]
function M.format_run(run, started)
  local lines = started and {} or M.format_start(run)
  if str(run.error) and run.status ~= 'cancelled' then
    vim.list_extend(lines, vim.split('[Error] ' .. run.error, '\n', { plain = true }))
  end
  if run.streamed ~= true then
    for _, stream in ipairs({ run.stdout, run.stderr }) do
      if str(stream) then
        local text = M.strip_ansi(stream):gsub('\n$', '')
        vim.list_extend(lines, vim.split(text, '\n', { plain = true }))
      end
    end
  end
  for _, artifact in ipairs(type(run.artifacts) == 'table' and run.artifacts or {}) do
    table.insert(lines, '[Artifact] ' .. (str(artifact.path) or str(artifact.filename) or '?'))
  end
  table.insert(lines, M.done_line(run))
  if str(run.logPath) then
    table.insert(lines, '[Log] ' .. run.logPath)
  end
  if str(run.notice) then
    table.insert(lines, '[Note] ' .. run.notice)
  end
  return lines
end

--- Lines of the output split for an `unsandbox.listJobs` answer.
---@param result any
---@return string[]
function M.format_jobs(result)
  if type(result) ~= 'table' then
    return { '[Jobs] ' .. vim.inspect(result), '' }
  end
  local lines = { '[Jobs] ' .. (str(result.summary) or str(result.error) or 'no answer') }
  for _, job in ipairs(type(result.jobs) == 'table' and result.jobs or {}) do
    local fields = {}
    for _, value in ipairs({ job.jobId, job.status, job.language }) do
      table.insert(fields, str(value) or '-')
    end
    table.insert(lines, '  ' .. table.concat(fields, '  '))
  end
  return lines
end

return M
