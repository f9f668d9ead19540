module Main where

check :: Int -> Int
check n
  | n < 0 = error ("negative: " ++ show n) -- expect: error `negative: -1` at `error`
  | otherwise = n

main :: IO ()
main = print (check (-1))
