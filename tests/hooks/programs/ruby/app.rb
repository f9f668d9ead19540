require_relative 'lib/cart'

puts "argv: #{[$0, *ARGV].join(' ')}"
puts "total: #{total}"
puts "data: #{File.read('data.txt').strip}"
$stdin.each_line { |line| puts "stdin: #{line.chomp}" }
check
