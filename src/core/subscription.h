/* In-process event subscribers: callbacks or bounded queues. */
#ifndef W3W_CORE_SUBSCRIPTION_H
#define W3W_CORE_SUBSCRIPTION_H

#include <pthread.h>

#include "w3wallet.h"
#include "w3wallet/sys/backend.h"

typedef struct w3w__subscribers {
	pthread_mutex_t lock;
	w3w_subscription *head;
} w3w__subscribers;

void w3w__subscribers_init(w3w__subscribers *subs);
/** Detach what is still subscribed (their owners free them with w3w_unsubscribe). */
void w3w__subscribers_destroy(w3w__subscribers *subs);
/** Hand one event to every subscriber, in subscription order. */
void w3w__subscribers_deliver(w3w__subscribers *subs, const w3w_event *event);

w3w__subscribers *w3w__relay_subscribers(w3w_ctx *ctx);

#endif
