/* `w3wallet-server serve`: open the library, listen, drain on SIGTERM. */
#ifndef W3W_SERVER_SERVE_H
#define W3W_SERVER_SERVE_H

#include "config.h"

/** Runs until SIGTERM or SIGINT; returns the process exit status. */
int serve(const config *cfg);

#endif
