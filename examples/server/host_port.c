/* Address splitting (see host_port.h). */
#include <string.h>

#include "host_port.h"

static int copy_part(char *out, size_t size, const char *from, size_t n)
{
	if (n >= size)
		return -1;
	memcpy(out, from, n);
	out[n] = '\0';
	return 0;
}

int host_port_split(const char *address, size_t len, char *host, size_t host_size, char *port, size_t port_size)
{
	const char *end = address + len, *host_end, *port_start;

	if (len > 0 && address[0] == '[') {
		const char *close = memchr(address, ']', len);
		if (!close || close + 1 >= end || close[1] != ':')
			return -1;
		if (copy_part(host, host_size, address + 1, (size_t)(close - address - 1)) != 0)
			return -1;
		port_start = close + 2;
	} else {
		host_end = NULL;
		for (const char *p = address; p < end; p++)
			if (*p == ':')
				host_end = p;
		if (!host_end || copy_part(host, host_size, address, (size_t)(host_end - address)) != 0)
			return -1;
		port_start = host_end + 1;
	}
	if (port_start >= end || copy_part(port, port_size, port_start, (size_t)(end - port_start)) != 0)
		return -1;
	return strspn(port, "0123456789") == strlen(port) ? 0 : -1;
}
