/* Parse the RFC 3339 form that w3w_time_format() writes. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/time.h"
#include "w3wallet/sys/backend.h"

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm): no timegm/TZ needed. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

w3w_status w3w__time_parse(w3w_time *out, const char *text)
{
	int y, mo, d, h, mi, s, us, n = 0;
	if (!text || strlen(text) != 27 ||
	    sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ%n", &y, &mo, &d, &h, &mi, &s, &us, &n) != 7 || n != 27)
		return w3w_error_set(W3W_EINVAL, "time: expected YYYY-MM-DDTHH:MM:SS.ffffffZ");
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || us < 0)
		return w3w_error_set(W3W_EINVAL, "time: field out of range");
	*out = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s) * 1000000) + us;
	return W3W_OK;
}
