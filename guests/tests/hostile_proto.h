/*
 * The protocol and slots of the ipc-hostile system test (guests/tests/
 * hostile_ipc.c, hostile_peers.c, configs/tests/ipc-hostile.dts). Word 0 of a
 * message is the operation. The hostile client sends random words too, so
 * its one meaningful operation is a 64-bit magic no random word will hit.
 * Slots follow the order of the endpoints in the configuration: svc, notes,
 * lair.
 */
#ifndef HOSTILE_PROTO_H
#define HOSTILE_PROTO_H

#define HOP_ECHO 1 /* call: reply {badge, w1 ^ MAGIC, w2 ^ MAGIC, w3 ^ MAGIC, (hostile done) << 32 | calls served} */
#define HOP_BYE 2  /* send from the client: it is finished */
#define HOP_HOSTILE_DONE 0x686f7374696c6521ull /* send from the hostile VM: its calls are over */

#define HECHO_MAGIC 0x0123456789abcdefull
#define HBADGE_CLIENT 0x11
#define HBADGE_HOSTILE 0x66 /* on svc */
#define HBADGE_NOTES 0x67   /* the hostile's send-only grant, nobody receives there */

/* The server's slots. */
#define HSERVER_SLOT_SVC 0
/* The client's and the hostile's. */
#define HCLIENT_SLOT_SVC 0
#define HOSTILE_SLOT_SVC 0   /* call, send */
#define HOSTILE_SLOT_NOTES 1 /* send only: never received on */
#define HOSTILE_SLOT_LAIR 2  /* its own endpoint: receive; nobody ever sends */
#define HOSTILE_NR_SLOTS 3

#endif
