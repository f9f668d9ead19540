3.times { |n| puts "step #{n}" }
$stdout.flush
exit!(3)
