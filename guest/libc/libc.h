/*
 * The newlib syscall glue's own interface: the heap bounds and statistics.
 * (The syscalls themselves are newlib's: _sbrk, _write, ...)
 */
#ifndef GUEST_LIBC_LIBC_H
#define GUEST_LIBC_LIBC_H

#include <stddef.h>
#include <stdint.h>

/* Give malloc [start, end). Called once, before any newlib code. */
void libc_heap_init(uintptr_t start, uintptr_t end);

/* Heap size available, and the most malloc ever took (the break's peak). */
size_t libc_heap_size(void);
size_t libc_heap_peak(void);
/*
 * Requests _sbrk refused since boot (the heap was full: malloc failed),
 * and the largest of them; plat_run_once says so on the console.
 */
uint64_t libc_heap_refused(size_t *largest);

#endif
