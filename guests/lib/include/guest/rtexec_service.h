/*
 * The executive's optional control service (docs/rtexec.md, docs/ipc.md):
 * what a client VM sees of it. Off unless the VM's /chosen asks for it
 * (rtexec,service-slot). Then the executive's first task is a control loop
 * over a simulated plant: each of its jobs moves the reading towards the
 * setpoint and, with rtexec,stream-base, puts a struct rt_sample into a
 * guest/ring.h ring over that channel, ringing the channel's doorbell every
 * RT_SAMPLE_BATCH samples. The service answers IPC calls on its endpoint:
 * word 0 the operation, the reply's word 0 a status. Readings and setpoints
 * are in thousandths of a unit.
 */
#ifndef RTEXEC_SERVICE_H
#define RTEXEC_SERVICE_H

#include <stdint.h>

#define RT_SVC_GET 1 /* reply: {status, setpoint, reading, samples produced, deadline misses} */
#define RT_SVC_SET 2 /* w1 = new setpoint; reply as GET, with the new setpoint */

#define RT_SVC_OK 0
#define RT_SVC_BAD_OP 1    /* unknown operation */
#define RT_SVC_BAD_VALUE 2 /* setpoint above RT_SETPOINT_MAX */

#define RT_SETPOINT_MAX 1000000u /* 1000.000 */
#define RT_SAMPLE_BATCH 32u
#define RT_SAMPLE_MAGIC 0x53414d50u /* "SAMP" */

/* One sample, written whole into the ring (never split across two writes of different samples). */
struct rt_sample {
	uint32_t magic;
	uint32_t seq;       /* 1, 2, ... : a gap is a sample the ring had no room for */
	uint64_t time_ns;   /* guest time of the job's completion */
	uint32_t setpoint;
	uint32_t reading;
	uint32_t jobs;      /* the control task's jobs so far */
	uint32_t misses;    /* its deadline misses so far */
};

#endif
