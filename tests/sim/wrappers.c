/* Registration of the three wrapper backends (see wrappers.h). */
#include "wrappers.h"

w3w_status sim_wrappers_register(void)
{
	w3w_status st;
	if ((st = sim_storage_register()) != W3W_OK || (st = sim_cache_register()) != W3W_OK)
		return st;
	return sim_sink_register();
}
