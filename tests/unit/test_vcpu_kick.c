/*
 * vcpu_request() (core/vcpu.c): a request to a vCPU on another CPU kicks
 * that CPU only when the vCPU had no request pending, so a guest that makes
 * Keel post requests in a loop costs the target CPU one kick per time it
 * examines them, not one per request. The target's side is modelled as
 * sched.c does it: one atomic exchange of the whole word.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <keel/arch/cpu.h>
#include <keel/arch/guest.h>
#include <keel/cpu.h>
#include <keel/irq.h>
#include <keel/vcpu.h>
#include <keel/vgic.h>
#include <keel/vm.h>
#include <keel/vuart.h>

/* The fakes vcpu.c needs: the CPU index per host thread, and kicks counted per target. */
static _Thread_local u32 cpu_index;
static u32 kicks[PLAT_MAX_CPUS];

u32 arch_cpu_index(void)
{
	return cpu_index;
}

void arch_send_kick(u32 pcpu)
{
	__atomic_fetch_add(&kicks[pcpu], 1, __ATOMIC_RELAXED);
}

struct cpu *arch_this_cpu(void)
{
	return NULL;
}

void arch_vcpu_reset_sysregs(struct vcpu *vcpu) { (void)vcpu; }
void arch_vcpu_reset_regs(struct vcpu *vcpu, u64 pc, u64 x0) { (void)vcpu; (void)pc; (void)x0; }
void arch_vcpu_load(struct vcpu *vcpu) { (void)vcpu; }
void arch_vcpu_put(struct vcpu *vcpu) { (void)vcpu; }
void irq_release_vcpu_timer(u32 intid) { (void)intid; }
void vgic_vcpu_off(struct vcpu *vcpu) { (void)vcpu; }
bool vgic_retire_hw_if_deasserted(struct vcpu *vcpu, u32 intid, bool asserted)
{
	(void)vcpu;
	(void)intid;
	(void)asserted;
	return false;
}
bool arch_vcpu_timer_asserted(const struct vcpu *vcpu, u32 intid) { (void)vcpu; (void)intid; return false; }
void vdev_idle_all(struct vm *vm, struct vcpu *vcpu) { (void)vm; (void)vcpu; }
bool vgic_vcpu_has_pending(struct vcpu *vcpu) { (void)vcpu; return false; }
void sched_wait_in_place(struct cpu *cpu, struct vcpu *vcpu) { (void)cpu; (void)vcpu; }

static struct vcpu target;

static int setup(void **state)
{
	(void)state;
	memset(&target, 0, sizeof(target));
	memset(kicks, 0, sizeof(kicks));
	target.pcpu = 1;
	cpu_index = 0;
	return 0;
}

/* The target CPU takes its requests, as sched.c's handle_requests does; vcpu.c's own bit masked. */
static u32 target_examines(void)
{
	return __atomic_exchange_n(&target.requests, 0, __ATOMIC_ACQUIRE) & ~(1u << 31);
}

static void test_many_requests_one_kick(void **state)
{
	(void)state;
	for (int i = 0; i < 1000; i++)
		vcpu_request(&target, VCPU_REQ_KICK);
	assert_int_equal(kicks[1], 1);
	/* Another kind of request while one is pending rides on the same kick. */
	vcpu_request(&target, VCPU_REQ_STOP);
	assert_int_equal(kicks[1], 1);
	assert_int_equal(target_examines(), VCPU_REQ_KICK | VCPU_REQ_STOP);
	/* Once examined, the next request kicks again. */
	vcpu_request(&target, VCPU_REQ_KICK);
	vcpu_request(&target, VCPU_REQ_KICK);
	assert_int_equal(kicks[1], 2);
}

static void test_own_cpu_is_not_kicked(void **state)
{
	(void)state;
	cpu_index = 1;
	vcpu_request(&target, VCPU_REQ_KICK);
	assert_int_equal(kicks[1], 0);
	/* A remote request finding only a local one pending still kicks: no kick is on its way. */
	cpu_index = 0;
	vcpu_request(&target, VCPU_REQ_STOP);
	vcpu_request(&target, VCPU_REQ_KICK);
	assert_int_equal(kicks[1], 1);
	assert_int_equal(target_examines(), VCPU_REQ_KICK | VCPU_REQ_STOP);
}

#define SENDERS 3
#define REQUESTS_EACH 20000

static u32 senders_finished;

static void *sender(void *arg)
{
	cpu_index = 2 + (u32)(uintptr_t)arg; /* never the target's CPU */
	for (int i = 0; i < REQUESTS_EACH; i++)
		vcpu_request(&target, VCPU_REQ_KICK);
	__atomic_fetch_add(&senders_finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Senders on three CPUs race with the target examining its requests: every
 * kick matches exactly one examination that found requests (or the word
 * still pending at the end), so no request goes unseen and none kicks twice.
 */
static void test_kicks_match_examinations_under_races(void **state)
{
	pthread_t t[SENDERS];
	u32 found = 0;

	(void)state;
	senders_finished = 0;
	for (uintptr_t i = 0; i < SENDERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, sender, (void *)i), 0);
	while (__atomic_load_n(&senders_finished, __ATOMIC_ACQUIRE) < SENDERS)
		if (target_examines())
			found++;
	for (int i = 0; i < SENDERS; i++)
		pthread_join(t[i], NULL);
	if (target_examines())
		found++;
	assert_true(found > 0);
	assert_int_equal(kicks[1], found);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_many_requests_one_kick),
		T(test_own_cpu_is_not_kicked),
		T(test_kicks_match_examinations_under_races),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
