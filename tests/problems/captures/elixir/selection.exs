# Only the marked lines are sent.
Application.put_env(:demo, :ok, true)
# select-start
defmodule Divider do
  def ratio(a, b), do: div(a, b) # expect: error `ArithmeticError`
end

IO.puts(Divider.ratio(1, 0)) # expect: hint
# select-end
