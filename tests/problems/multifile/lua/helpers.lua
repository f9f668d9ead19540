local M = {}

function M.add(a, b)
  return a + b + nil -- expect: error `arithmetic`
end

return M
