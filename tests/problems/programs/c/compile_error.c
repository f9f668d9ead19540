#include <stdio.h>

int main(void) {
    int total = 0;
    printf("%d\n", totl); /* expect: error `undeclared` at `totl` */
    return total /* expect: error `before` */
}
