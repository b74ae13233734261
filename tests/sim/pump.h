/*
 * Driving the outbox relay. The simulated context runs without its
 * background relay (options.background_relay = 0): the simulator pumps it
 * after every step, so when events move is part of the seed, not of
 * thread scheduling. A relay fault (sink failure, partial acknowledgement,
 * failed ack) leaves a batch leased: the relay is then left alone until
 * the next checkpoint, which waits the lease out (2 x timeout_ms + 1 s).
 */
#ifndef W3W_SIM_PUMP_H
#define W3W_SIM_PUMP_H

#include "run.h"

/** One relay round after a lane's step (skipped while blocked); sets l->caught_up. */
void sim_pump(sim_lane *l);
/** Pump until nothing is pending, waiting out leases (lanes paused). 0 when drained, -1 if stuck. */
int sim_drain(sim_run *r);

#endif
