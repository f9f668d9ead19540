#include <stdio.h>

int main(void) {
    int *p = 5; /* expect: warning `makes pointer from integer` at `5` */
    printf("%p\n", (void *)p);
    return missing; /* expect: error `undeclared` at `missing` */
}
