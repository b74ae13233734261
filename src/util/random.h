/* Random bytes from the OS, drawn in per-thread blocks (see random.c). */
#ifndef W3W_UTIL_RANDOM_H
#define W3W_UTIL_RANDOM_H

#include <stddef.h>

/* n (at most 64) unpredictable bytes; one getrandom per 4 KiB per thread, not one per call. */
void w3w__random_bytes(unsigned char *out, size_t n);

#endif
