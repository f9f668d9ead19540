require_relative 'stock'

stock = { 'apple' => 3, 'pear' => 0 }
stock.each do |name, left|
  puts "left #{name} #{left}"
end
puts 'taking a plum'
take(stock, 'plum')
