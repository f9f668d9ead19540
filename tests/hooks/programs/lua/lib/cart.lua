local M = {}

function M.total() return 5 end

function M.check()
  error("cart is empty") -- RAISE
end

return M
