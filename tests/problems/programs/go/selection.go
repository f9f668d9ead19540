// Copyright notice and build notes that are not part of the selection.
// The selection starts at the package clause below.
//
// select-start
package main

import "fmt"

func main() {
	var names map[string]int
	names["a"] = 1 // expect: error `assignment to entry in nil map`
	fmt.Println(names)
}
// select-end
