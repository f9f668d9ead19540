/* expect: error `segmentation fault` */
#include <stdio.h>

static int read_at(const int *values, int index) {
    return values[index];
}

int main(void) {
    const int *values = NULL;
    printf("%d\n", read_at(values, 3));
    return 0;
}
