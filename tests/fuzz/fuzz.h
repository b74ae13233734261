/*
 * Shared by the harnesses. FUZZ_CHECK is not assert(): the fuzz build is
 * RelWithDebInfo (NDEBUG), and a broken property must abort there too so
 * libFuzzer saves the input.
 */
#ifndef W3W_FUZZ_H
#define W3W_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                  \
	do {                                                                                  \
		if (!(cond)) {                                                                    \
			fprintf(stderr, "fuzz: property broken at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                      \
		}                                                                                 \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a NUL-terminated string (malloc'd; the caller frees). Parsers of C
 * strings see what a caller could pass: everything up to the first NUL. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
