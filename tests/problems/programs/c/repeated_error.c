#include <stdio.h>

int main(void) {
    int a = 1;
    { a = 2 } { a = 3 } { a = 4 } /* expect: error `before` at ` }` expect: error `before` at ` }` expect: error `before` at ` }` */
    printf("%d\n", a);
    return 0;
}
