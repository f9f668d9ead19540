module Main where

total :: [Int] -> Int
total xs = sum xs + "one" -- expect: error `Couldn't match` at `"one"`

main :: IO ()
main = print (total [1, 2])
