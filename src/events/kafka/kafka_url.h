/*
 * Parsing of `kafka://host:port[,host:port...][?option=value&...]`.
 * Options: lazy=0|1, client_id=TEXT, linger_ms=N, log=0|1, topics=a,b,...
 */
#ifndef W3W_EVENTS_KAFKA_URL_H
#define W3W_EVENTS_KAFKA_URL_H

#include "w3wallet/common.h"

#define W3W__KAFKA_BROKERS_SIZE 1024
#define W3W__KAFKA_CLIENT_ID_SIZE 128
#define W3W__KAFKA_TOPICS_SIZE 1024
/** Topics checked at open unless the URL names others (the system design's four). */
#define W3W__KAFKA_DEFAULT_TOPICS "supply-events,order-events,claim-events,wallet-events"

typedef struct w3w__kafka_url {
	char brokers[W3W__KAFKA_BROKERS_SIZE];     /* bootstrap.servers: "h1:p1,h2:p2" */
	char client_id[W3W__KAFKA_CLIENT_ID_SIZE]; /* default "w3wallet" */
	int linger_ms;                             /* default 5 */
	int lazy;                                  /* open even if no broker answers */
	int log;                                   /* librdkafka warnings and errors to stderr */
	char topics[W3W__KAFKA_TOPICS_SIZE];       /* checked (and auto-created) at open; "" = none */
} w3w__kafka_url;

/** Parse `url` into `out`; W3W_EINVAL with a message naming the wrong part. */
w3w_status w3w__kafka_url_parse(w3w__kafka_url *out, const char *url);

#endif
