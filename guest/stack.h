#ifndef GUEST_STACK_H
#define GUEST_STACK_H

#include <stddef.h>

/* Paints the main stack below the caller's frame; once, early, with IRQs off. */
void stack_paint(void);
/* The main stack's size, and the most of it used since stack_paint (bytes). */
size_t stack_size(void);
size_t stack_peak(void);

#endif
