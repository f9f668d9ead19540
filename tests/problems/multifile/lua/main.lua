local helpers = require("helpers")

print(helpers.add(1, 2)) -- expect: hint
