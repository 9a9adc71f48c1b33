/*
 * Typed addresses. Physical addresses (what the memory system sees) and
 * intermediate physical addresses (what a guest believes is physical) are
 * both 64-bit numbers; wrapping each in its own struct makes passing one
 * where the other is expected a compile error, which is the mistake that
 * breaks isolation in a hypervisor.
 */
#ifndef KEEL_ADDR_H
#define KEEL_ADDR_H

#include <keel/types.h>

typedef struct { u64 v; } paddr_t;
typedef struct { u64 v; } ipaddr_t;

static inline paddr_t pa_of(u64 v) { return (paddr_t){ v }; }
static inline ipaddr_t ipa_of(u64 v) { return (ipaddr_t){ v }; }
static inline u64 pa_val(paddr_t a) { return a.v; }
static inline u64 ipa_val(ipaddr_t a) { return a.v; }
static inline paddr_t pa_add(paddr_t a, u64 n) { return (paddr_t){ a.v + n }; }
static inline ipaddr_t ipa_add(ipaddr_t a, u64 n) { return (ipaddr_t){ a.v + n }; }

/* Keel at EL2 maps memory one to one, so a physical address is a pointer. */
static inline void *pa_ptr(paddr_t a) { return (void *)(uintptr_t)a.v; }

#endif
