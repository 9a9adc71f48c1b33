/*
 * The protocol of the IPC system test (guests/tests/ipc_server.c and
 * ipc_client.c, configs/tests/ipc.dts): word 0 of a message is the
 * operation, the rest its arguments. Slots follow the order of the
 * endpoints in the configuration: near-ep, far-ep, idle.
 */
#ifndef IPC_PROTO_H
#define IPC_PROTO_H

#include <stdint.h>

#define OP_ECHO 1 /* call: reply {badge, w1 ^ ECHO_MAGIC, w2 ^ ECHO_MAGIC, w3 ^ ECHO_MAGIC, server resets} */
#define OP_FAR_DONE 2 /* send: the far client finished its round trips */
#define OP_QUERY 3 /* call: reply {badge, far done and parked} */
#define OP_PARK 4 /* call on far-ep: the server's second vCPU keeps it, never replies */
#define OP_RESET 5 /* call: the server resets its VM instead of replying */
#define OP_BYE 6 /* send: a client is finished */

#define ECHO_MAGIC 0x5a5aa5a5f00dcafeull
#define BADGE_NEAR 0x11
#define BADGE_FAR 0x22
#define BADGE_FAR_PARK 0x23

/* The server's slots and the clients'. */
#define SERVER_SLOT_NEAR 0
#define SERVER_SLOT_FAR 1
#define SERVER_SLOT_IDLE 2
#define CLIENT_SLOT_SVC 0 /* near-ep: served on CPU 0 */
#define NEAR_SLOT_IDLE 1 /* idle: nobody ever receives there */
#define FAR_SLOT_PARK 1 /* far-ep: served on CPU 1 */

#endif
