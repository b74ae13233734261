/*
 * Violations found during one seed: each is printed when found (up to a
 * limit) with the seed and step, counted per check, and the first one is
 * kept for the summary. Check names are stable, short and greppable.
 */
#ifndef W3W_SIM_REPORT_H
#define W3W_SIM_REPORT_H

#include <pthread.h>
#include <stdint.h>

#define SIM_REPORT_CHECKS 32
#define SIM_REPORT_PRINT_MAX 12

typedef struct sim_report {
	pthread_mutex_t lock;
	uint64_t seed;
	int quiet;                /* do not print violations as they come */
	int lanes;                /* > 1: messages name the lane */
	int violations;
	int first_step;
	char first_check[32];
	char first_message[768];
	struct {
		char name[32];
		int count;
	} checks[SIM_REPORT_CHECKS];
	int n_checks;
} sim_report;

void sim_report_init(sim_report *r, uint64_t seed, int quiet);
void sim_report_destroy(sim_report *r);

/** Where the calling thread is (each lane counts its own steps), for messages. */
void sim_report_set_step(int lane, int step);
int sim_report_step(void);

/** A failed check: `check` is its stable name ("stale_read"). */
void sim_violation(sim_report *r, const char *check, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** "stale_read x2, conservation x1" into buf. */
void sim_report_summary(const sim_report *r, char *buf, size_t size);

#endif
