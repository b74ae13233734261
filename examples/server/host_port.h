/* "host:port" and "[v6]:port" addresses, as --listen and --otlp-endpoint take them. */
#ifndef W3W_SERVER_HOST_PORT_H
#define W3W_SERVER_HOST_PORT_H

#include <stddef.h>

/**
 * Split the first `len` bytes of `address` into `host` (brackets removed;
 * may be "") and a numeric `port` (not empty). 0 on success, -1 when it is
 * malformed or a part does not fit.
 */
int host_port_split(const char *address, size_t len, char *host, size_t host_size, char *port, size_t port_size);

#endif
