/* Violation bookkeeping (see report.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static _Thread_local int tl_step, tl_lane;

void sim_report_set_step(int lane, int step)
{
	tl_lane = lane;
	tl_step = step;
}

int sim_report_step(void)
{
	return tl_step;
}

void sim_report_init(sim_report *r, uint64_t seed, int quiet)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->seed = seed;
	r->quiet = quiet;
}

void sim_report_destroy(sim_report *r)
{
	pthread_mutex_destroy(&r->lock);
}

void sim_violation(sim_report *r, const char *check, const char *fmt, ...)
{
	char message[768];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&r->lock);
	if (r->violations++ == 0) {
		r->first_step = tl_step;
		snprintf(r->first_check, sizeof(r->first_check), "%s", check);
		snprintf(r->first_message, sizeof(r->first_message), "%s", message);
	}
	for (i = 0; i < r->n_checks; i++)
		if (strcmp(r->checks[i].name, check) == 0)
			break;
	if (i == r->n_checks && i < SIM_REPORT_CHECKS) {
		snprintf(r->checks[i].name, sizeof(r->checks[i].name), "%s", check);
		r->n_checks++;
	}
	if (i < SIM_REPORT_CHECKS)
		r->checks[i].count++;
	if (!r->quiet && r->violations <= SIM_REPORT_PRINT_MAX && r->lanes > 1)
		printf("  seed %llu lane %d step %d: FAIL %s: %s\n", (unsigned long long)r->seed, tl_lane, tl_step, check,
			message);
	else if (!r->quiet && r->violations <= SIM_REPORT_PRINT_MAX)
		printf("  seed %llu step %d: FAIL %s: %s\n", (unsigned long long)r->seed, tl_step, check, message);
	else if (!r->quiet && r->violations == SIM_REPORT_PRINT_MAX + 1)
		printf("  seed %llu: more violations follow (counted, not printed)\n", (unsigned long long)r->seed);
	fflush(stdout);
	pthread_mutex_unlock(&r->lock);
}

void sim_report_summary(const sim_report *r, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < r->n_checks && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s x%d", i ? ", " : "", r->checks[i].name,
			r->checks[i].count);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}
