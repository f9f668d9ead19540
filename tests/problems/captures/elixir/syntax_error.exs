defmodule Greeter do
  def hello(name) do
    "hello " <> name
  end
end

IO.puts(Greeter.hello("x"))
IO.puts("unterminated # expect: error `TokenMissingError`
