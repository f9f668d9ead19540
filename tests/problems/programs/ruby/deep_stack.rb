def first_tag(post)
  post[:tags].first # expect: error `undefined method` at `.first`
end

def summary(post)
  "#{post[:title]} (#{first_tag(post)})" # expect: hint
end

puts summary({ title: "hello" }) # expect: hint
