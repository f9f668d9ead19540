-- Notes before the selection; they are not sent.
-- select-start
module Main where

main :: IO ()
main = putStrLn (show (length [1, 2] + True)) -- expect: error `Couldn't match` at `True`
-- select-end
