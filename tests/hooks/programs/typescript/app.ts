import { check, total } from "./lib/cart.ts";

console.log("total:", total());
check();
