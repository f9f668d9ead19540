/* Header comment, not part of the selection. */
/* select-start */
#include <stdio.h>

int main(void) {
    int values[3] = {1, 2, 3};
    for (int i = 0; i < 3; i++) {
        printf("%d\n", value[i]); /* expect: error `undeclared` at `value[` */
    }
    return 0;
}
/* select-end */
