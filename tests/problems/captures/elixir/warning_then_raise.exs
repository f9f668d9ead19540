defmodule Report do
  def total do
    unused = 1 # expect: warning `variable "unused" is unused`
    2
  end
end

IO.puts(Report.total())
raise "boom" # expect: error `RuntimeError: boom`
