defmodule Inventory do
  def total(items) do
    Enum.reduce(items, 0, fn item, acc -> acc + item.count end) # expect: error `ArithmeticError`
  end

  def report(items) do
    "total: " <> Integer.to_string(total(items) * 2) # expect: hint
  end
end

IO.puts(Inventory.report([%{count: 1}, %{count: :many}])) # expect: hint
