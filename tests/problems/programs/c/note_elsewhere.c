#include <stdio.h>

static int twice(int *value) { /* expect: hint `expected ‘int *’ but argument is of type ‘int’` */
    return *value * 2;
}

int main(void) {
    int count = 3;
    printf("%d\n", twice(count)); /* expect: warning `makes pointer from integer` at `count` */
    return missing; /* expect: error `each undeclared identifier is reported only once` at `missing` */
}
