local cart = require("lib.cart")

local argv = { arg[0] }
for _, a in ipairs(arg) do argv[#argv + 1] = a end
print("argv: " .. table.concat(argv, " "))
print("total: " .. cart.total())
local data = io.open("data.txt"):read("a")
print("data: " .. data:gsub("%s+$", ""))
for line in io.lines() do print("stdin: " .. line) end
cart.check()
