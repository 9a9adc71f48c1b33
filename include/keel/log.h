/*
 * Keel's own messages and its bug checks.
 *
 * klog() prints one line prefixed "[keel]". vm_log() names the VM a message
 * is about; guest mistakes are logged through it, rate-limited per VM so a
 * hostile guest cannot flood the console. vm_log_lifecycle() is for a VM's
 * life-cycle events (start, reset, power off, stop, failover): never
 * rate-limited, so no guest can hide them. CHECK() is for Keel's own bugs
 * only: it panics with file and line. Never CHECK something a guest or a
 * configuration can cause.
 */
#ifndef KEEL_LOG_H
#define KEEL_LOG_H

#include <stdarg.h>
#include <keel/types.h>

struct vm;

void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vm_log(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vm_log_lifecycle(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The freestanding formatter behind them: %s %c %d %u %x %p %%, with l/ll, width and 0. */
int vformat(char *buf, size_t size, const char *fmt, va_list ap);
int format(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			panic("CHECK failed: %s at %s:%d", #cond, __FILE__,    \
			      __LINE__);                                       \
	} while (0)

#endif
