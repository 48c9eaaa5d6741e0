/* test_xenstore.c's hypercalls: the store's page and port are the test's. */
#ifndef XS_STUB_XEN_H
#define XS_STUB_XEN_H
#include <stdint.h>
int xen_get_param(uint32_t index, uint64_t *value);
#endif
