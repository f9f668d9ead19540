package main

import "fmt"

func main() {
	var count int = "three" // expect: error `cannot use "three"` at `"three"`
	fmt.Println(count + missing) // expect: error `undefined: missing` at `missing`
}
