/* Library status -> HTTP status and error code. */
#ifndef W3W_SERVER_RESPOND_H
#define W3W_SERVER_RESPOND_H

#include <w3wallet.h>

/** HTTP status for a library status; *code gets the error code of the body. */
unsigned int http_status_of(w3w_status st, const char **code);

#endif
