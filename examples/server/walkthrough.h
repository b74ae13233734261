/* The curl walkthrough `serve --walkthrough` prints (make run). */
#ifndef W3W_SERVER_WALKTHROUGH_H
#define W3W_SERVER_WALKTHROUGH_H

#include <stdio.h>

#include "server.h"

/** Print a runnable walkthrough against `base_url` with fresh tokens. 0, or -1 if tokens cannot be made. */
int walkthrough_print(FILE *out, const struct server *srv, const char *base_url);

#endif
