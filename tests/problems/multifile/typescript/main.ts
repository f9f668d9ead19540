import { add } from "./helpers.ts";

console.log(add(1, 2)); // expect: hint
