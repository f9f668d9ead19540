local function street(person)
  return person.address.street -- expect: error `attempt to index a nil value`
end

local function label(person)
  local s = street(person) -- expect: hint
  return "lives on " .. s
end

print(label({ name = "x" })) -- expect: hint
