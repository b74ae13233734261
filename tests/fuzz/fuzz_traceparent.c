/*
 * W3C traceparent headers (w3w_traceparent_parse), as the server reads them
 * from any client.
 * Properties: an accepted header formats back to its version-00 form (the
 * same ids and flags, lowercase); its ids are never all zeros; version ff is
 * never accepted; a refused header leaves the output untouched.
 */
#include "fuzz.h"

#include "w3wallet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), back[W3W_TRACEPARENT_SIZE];
	w3w_trace_context tc, untouched;

	memset(&tc, 0x5a, sizeof(tc));
	untouched = tc;
	if (w3w_traceparent_parse(&tc, text) == W3W_OK) {
		FUZZ_CHECK(strlen(text) >= 55 && strncmp(text, "ff", 2) != 0);
		FUZZ_CHECK(strspn(tc.trace_id, "0") != 32 && strspn(tc.span_id, "0") != 16);
		FUZZ_CHECK(w3w_traceparent_format(back, sizeof(back), &tc) == W3W_OK);
		FUZZ_CHECK(strncmp(back, "00-", 3) == 0 && memcmp(back + 2, text + 2, 53) == 0);
		FUZZ_CHECK(w3w_trace_set(&tc) == W3W_OK && w3w_trace_set(NULL) == W3W_OK);
	} else {
		FUZZ_CHECK(memcmp(&tc, &untouched, sizeof(tc)) == 0);
	}
	free(text);
	return 0;
}
