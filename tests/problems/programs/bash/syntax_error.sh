count=3
if [ "$count" -gt 2 ]
  echo "many"
fi # expect: error `syntax error`
