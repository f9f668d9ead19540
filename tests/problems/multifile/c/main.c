#include <stdio.h>
#include "helpers.h"

int main(void) {
    printf("%d\n", add(1, 2));
    return 0;
}
