#include <stdio.h>
#include <stdlib.h>

static int read_at(const int *values, int index) {
    return values[index]; /* expect: error `heap-use-after-free` */
}

int main(void) {
    int *values = malloc(4 * sizeof(int));
    free(values);
    printf("%d\n", read_at(values, 2)); /* expect: hint */
    return 0;
}
