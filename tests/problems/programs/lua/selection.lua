-- Only the marked lines are sent.
local helpers = {}
-- select-start
local function shout(text)
  return string.upper(text) .. "!" -- expect: error `bad argument`
end

print(shout(nil)) -- expect: hint
-- select-end
