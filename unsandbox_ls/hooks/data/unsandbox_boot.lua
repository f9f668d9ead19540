-- unsandbox-ls start-up hook for Lua, run before the script through LUA_INIT (which finds this
-- file in the input folder). See sitecustomize.py (the Python hook) for what it does; Lua has no
-- exec, so the script runs again in a child process (through /bin/sh) and this one exits with
-- its status before the script's first line: nothing of this file reaches the script's messages.
local function boot(text)
  local t = {}
  for w in text:gmatch("%S+") do t[#t + 1] = w end
  if t[1] ~= "1" then return end
  local nonce = t[2]
  local report = { "hook lua" }
  local function frame()
    local lines = {}
    for i = 1, math.min(#report, 12) do lines[i] = report[i]:gsub("\n", " "):sub(1, 300) end
    io.stderr:write("--- unsandbox-ls boot " .. nonce .. " ---\n" .. table.concat(lines, "\n")
      .. "\n--- unsandbox-ls end " .. nonce .. " ---\n")
    io.stderr:flush()
  end
  local function word(w)
    if w == "~" then return nil end
    if w == "-" then return "" end
    return (w:gsub("%x%x", function(c) return string.char(tonumber(c, 16)) end))
  end
  local function q(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
  local function isfile(p)
    local f = io.open(p, "rb")
    if not f then return false end
    local ok = f:read(0) ~= nil or f:seek("end") ~= nil
    f:close()
    return ok
  end
  local code, stdin = word(t[3]), word(t[4])
  local at = 5
  local n = tonumber(t[at])
  local args = {}
  for i = 1, n do args[i] = word(t[at + i]) end
  at = at + 1 + n
  n = tonumber(t[at])
  local files = {}
  for i = 0, n - 1 do files[#files + 1] = { word(t[at + 1 + 2 * i]), word(t[at + 2 + 2 * i]) } end
  at = at + 1 + 2 * n
  n = tonumber(t[at])
  local restore = {}
  for i = 0, n - 1 do restore[#restore + 1] = { word(t[at + 1 + 2 * i]), word(t[at + 2 + 2 * i]) } end
  local script = arg and arg[0]
  if not script or not isfile(script) then
    report[#report + 1] = "skipped no script file"
    frame()
    return
  end
  local pipe = io.popen("pwd")
  local cwd = pipe and pipe:read("l") or "."
  if pipe then pipe:close() end
  if script:sub(1, 1) ~= "/" then script = cwd .. "/" .. script end
  local found
  for _, d in ipairs({ "/tmp/input", cwd, "/root/input", "/tmp", (script:match("^(.*)/") or ".") }) do
    local ok = true
    for _, f in ipairs(files) do
      if not isfile(d .. "/" .. f[1]) then ok = false break end
    end
    if ok then found = d break end
  end
  report[#report + 1] = "input " .. (found or "none")
  report[#report + 1] = "code " .. script
  report[#report + 1] = "cwd " .. cwd
  if not found then
    report[#report + 1] = "skipped the input files were not found"
    frame()
    return
  end
  -- the tree is built by the shell: folders, links (or copies), then the run itself
  local sh = { "set -e", "found=" .. q(found), "if [ -w \"$found\" ]; then tree=$found; "
    .. "else tree=$(mktemp -d \"${TMPDIR:-/tmp}/unsandbox-ls-XXXXXX\"); fi",
    "place() { [ \"$1\" -ef \"$2\" ] && return 0; rm -f -- \"$2\"; mkdir -p -- \"$(dirname -- \"$2\")\"; "
    .. "ln -- \"$1\" \"$2\" 2>/dev/null || cp -- \"$1\" \"$2\"; }" }
  for _, f in ipairs(files) do
    if f[2] ~= "" then
      sh[#sh + 1] = "if [ \"$tree\" != \"$found\" ] || [ " .. q(f[1]) .. " != " .. q(f[2]) .. " ]; then "
        .. "place \"$found\"/" .. q(f[1]) .. " \"$tree\"/" .. q(f[2]) .. "; fi"
    end
  end
  sh[#sh + 1] = "place " .. q(script) .. " \"$tree\"/" .. q(code)
  -- the folder holds what the local one does: no flat names, no hook
  for _, f in ipairs(files) do
    if f[1] ~= f[2] then
      sh[#sh + 1] = "if [ \"$tree\" = \"$found\" ]; then rm -f -- \"$found\"/" .. q(f[1]) .. "; fi"
    end
  end
  sh[#sh + 1] = "if [ \"$tree\" != /tmp/input ] && [ ! -e /tmp/input ]; then ln -s -- \"$tree\" /tmp/input 2>/dev/null || :; fi"
  sh[#sh + 1] = "cd -- \"$tree\""
  sh[#sh + 1] = "set +e"
  for _, r in ipairs(restore) do
    if r[2] then sh[#sh + 1] = "export " .. r[1] .. "=" .. q(r[2]) else sh[#sh + 1] = "unset " .. r[1] end
  end
  sh[#sh + 1] = "unset UNSANDBOX_LS_BOOT"
  local interpreter = arg[-1] or "lua"
  local i = -1
  while arg[i - 1] do i = i - 1 end
  interpreter = arg[i]
  local command = { q(interpreter) }
  for j = i + 1, -1 do command[#command + 1] = q(arg[j]) end
  command[#command + 1] = q(code)
  for _, a in ipairs(args) do command[#command + 1] = q(a) end
  local input = stdin and ("\"$tree\"/" .. q(stdin)) or "/dev/null"
  sh[#sh + 1] = "exec " .. table.concat(command, " ") .. " <" .. input
  report[#report + 1] = "exec " .. code
  frame()
  io.stdout:flush()
  local ok, how, status = os.execute("/bin/sh -c " .. q(table.concat(sh, "\n")))
  if how == "signal" then os.exit(128 + status) end
  os.exit(status or (ok and 0 or 1))
end

local text = os.getenv("UNSANDBOX_LS_BOOT")
if text then
  local ok, err = pcall(boot, text)
  if not ok then
    local nonce = text:match("^1 (%x+)") or "0"
    io.stderr:write("--- unsandbox-ls boot " .. nonce .. " ---\nhook lua\nerror " .. tostring(err):gsub("\n", " ")
      .. "\n--- unsandbox-ls end " .. nonce .. " ---\n")
  end
end
