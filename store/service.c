/* The store as a service (service.h). */
#include "service.h"

#include <errno.h>
#include <string.h>

static struct store *service_store;

struct store *store_service(void)
{
	return service_store;
}

int store_service_start(void)
{
	struct plat_mem_stats before, after;
	struct plat_blk_info info;
	struct store_stats s;
	uint64_t t0;
	int r;

	if ((r = plat_blk_info(&info)) < 0) {
		plat_log("store", "no block device (%s)", strerror(-r));
		return r;
	}
	plat_mem_stats(&before);
	t0 = plat_now_ns();
	if ((r = store_open(&service_store, false)) < 0) {
		plat_log("store", "cannot open the store on the %llu MiB device: %s",
		         (unsigned long long)(info.sectors * info.sector_size >> 20),
		         r == -EDQUOT ? "more objects than the index keeps in memory"
		                      : strerror(-r));
		service_store = NULL;
		return r;
	}
	plat_mem_stats(&after);
	store_stats(service_store, &s);
	plat_log("store", "opened in %llu ms: %u objects, %llu of %llu KiB of log, heap +%u KiB",
	         (unsigned long long)((plat_now_ns() - t0) / 1000000u), (unsigned)s.objects,
	         (unsigned long long)(s.log_used >> 10), (unsigned long long)(s.log_size >> 10),
	         (unsigned)((after.heap_used > before.heap_used ? after.heap_used - before.heap_used
	                                                        : 0) >>
	                    10));
	return 0;
}

int store_service_stop(void *arg, enum plat_shutdown why)
{
	int r;

	(void)arg, (void)why;
	if (!service_store)
		return 0;
	r = store_close(service_store);
	service_store = NULL;
	if (r < 0)
		plat_log("store", "closed with an error: %s", strerror(-r));
	else
		plat_log("store", "closed cleanly");
	return 0;
}
