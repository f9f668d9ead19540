package main

import "fmt"

//go:noinline
func pick(values []int, index int) int {
	return values[index] // expect: error `index out of range`
}

//go:noinline
func third(values []int) int {
	return pick(values, 2) // expect: hint
}

func main() {
	fmt.Println(third([]int{1})) // expect: hint
}
