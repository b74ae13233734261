/*
 * W3W_ASSERT: for programmer errors inside the library (a broken invariant,
 * an impossible branch), never for what a caller passes — that is
 * W3W_EINVAL with a message naming the field. Kept in release builds: a
 * broken invariant in a money library must stop the process, not go on.
 */
#ifndef W3W_UTIL_ASSERT_H
#define W3W_UTIL_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

#define W3W_ASSERT(cond)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                         \
			fprintf(stderr, "libw3wallet: %s:%d: %s: assertion failed: %s\n", __FILE__, __LINE__, \
				__func__, #cond);                                                              \
			abort();                                                                           \
		}                                                                                      \
	} while (0)

#endif
