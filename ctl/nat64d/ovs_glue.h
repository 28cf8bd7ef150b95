/* The three conversations nat64d has with Open vSwitch, spoken through
 * libopenvswitch from the patched build (shared/design.md, "Configuration
 * flow": OpenFlow is never spoken by shelling out to ovs-ofctl):
 *
 *   - OpenFlow to a bridge's management socket: dump the flows carrying our
 *     cookie, and replace them all in one atomic bundle (OpenFlow 1.4+
 *     bundles, OVS's OFPBF_ATOMIC | OFPBF_ORDERED, as "ovs-ofctl --bundle");
 *   - unixctl (JSON-RPC) to ovs-vswitchd's control socket: nat64/... commands;
 *   - OVSDB "transact" (RFC 7047 §4.1.3) to ovsdb-server.
 *
 * This file is C because OVS's headers are; nat64d's logic is C++ and sees
 * only these functions (ovs.hpp wraps them).  Every function returns 0 on
 * success, or an errno-style value with a malloc'd message in '*errp' that
 * names the peer; free every returned string with n64_free(). */
#ifndef NAT64D_OVS_GLUE_H
#define NAT64D_OVS_GLUE_H 1

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Once, before anything else: program name for OVS's logs, OVS's own
 * console logging down to errors (nat64d logs through spdlog), and SIGPIPE
 * ignored (a closed socket is an error return). */
void n64_glue_init(const char *program_name);

void n64_free(void *);

/* OpenFlow.  'target' is a vconn name such as "unix:/run/openvswitch/br.mgmt".
 * Flows are text in ovs-ofctl add-flow syntax, one per line; they must all
 * carry a cookie.  The canonical form of a flow is one line
 * "cookie=0x..., table=N, priority=N,MATCH actions=ACTIONS", after the flow
 * went through OpenFlow 1.4 encoding and decoding: the form the switch
 * reports it back in, so desired and installed flows compare as strings. */
int n64_of_canonical(const char *flows, char **canonical, char **errp);
/* With 'with_stats', each flow as "ovs-ofctl dump-flows" prints it
 * (duration, packet and byte counters) instead of the canonical form. */
int n64_of_dump(const char *target, uint64_t cookie, uint64_t cookie_mask,
                int with_stats, char **canonical, char **errp);
/* One bundle: delete every flow whose cookie matches cookie/cookie_mask in
 * every table, then add 'flows'.  Atomic: on any error nothing changed. */
int n64_of_replace(const char *target, uint64_t cookie, uint64_t cookie_mask,
                   const char *flows, char **errp);

/* Creates or changes meter 'meter_id' on the bridge at 'target': one band
 * that drops packets above 'pktps' packets per second, with bursts of up to
 * 'burst' packets (OpenFlow 1.3 meters; the userspace datapath applies
 * them in its fast path). */
int n64_of_meter_set(const char *target, uint32_t meter_id, uint32_t pktps,
                     uint32_t burst, char **errp);

/* unixctl: runs 'command' with 'argc' arguments on the daemon whose control
 * socket is 'path'.  A command that fails (the daemon's error reply) returns
 * EPROTO with the daemon's message in '*errp'. */
int n64_unixctl(const char *path, const char *command, int argc,
                const char *argv[], char **result, char **errp);

/* OVSDB: sends "transact" with 'params_json' (a JSON array: the database
 * name, then operations) to 'remote' (e.g. "unix:/run/openvswitch/db.sock")
 * and returns the result array as JSON text. */
int n64_ovsdb_transact(const char *remote, const char *params_json,
                       char **result_json, char **errp);

/* Service connections: a long-lived OpenFlow connection to a bridge's
 * management socket that receives packet-ins (issue #8: Router
 * Solicitations sent to the controller by our flows) and sends
 * packet-outs (Router Advertisements).
 *
 * n64_svc_open() connects (blocking, at most about 2 s in all) and asks for
 * packet-ins (OFPT_SET_CONFIG miss_send_len, keeping the switch's fragment
 * handling).
 * n64_svc_recv() never blocks: 0 with the next packet-in's frame (valid
 * until the next call or close), its OpenFlow in_port and the cookie of
 * the flow that sent it; EAGAIN when there is none; ENOMSG with the switch's
 * error in '*errp' when it refused an earlier message (a packet-out; the
 * connection is fine); any other value means the connection is gone (close
 * it and open again).  It answers echo
 * requests and skips other messages on the way.  n64_svc_send() sends
 * 'frame' as coming from the bridge's LOCAL port out of 'out_port' (an
 * OpenFlow port number, or N64_PORT_ALL: every port but LOCAL), without
 * the flow tables; EAGAIN when the send queue is full (the frame is
 * dropped).  n64_svc_wait() registers the connection with the poll loop. */
#define N64_PORT_ALL 0xfffcu /* OFPP_ALL */
struct n64_svc;
int n64_svc_open(const char *target, struct n64_svc **, char **errp);
void n64_svc_close(struct n64_svc *);
int n64_svc_recv(struct n64_svc *, const uint8_t **frame, size_t *len,
                 uint32_t *in_port, uint64_t *cookie, char **errp);
int n64_svc_send(struct n64_svc *, const uint8_t *frame, size_t len,
                 uint32_t out_port, char **errp);
/* Like n64_svc_send(), then waits (bounded) until the switch has executed
 * it (a barrier): for a last frame before the connection closes. */
int n64_svc_send_sync(struct n64_svc *, const uint8_t *frame, size_t len,
                      uint32_t out_port, char **errp);
void n64_svc_wait(struct n64_svc *);

/* OVS's poll loop (openvswitch/poll-loop.h), which the service connections
 * use: register what to wake for, then block until one happens.  The
 * registrations last one n64_poll_block() only. */
void n64_poll_fd_wait(int fd);                 /* readable */
void n64_poll_timer_wait(long long int msec);  /* relative, >= 0 */
void n64_poll_block(void);

#ifdef __cplusplus
}
#endif

#endif /* ovs_glue.h */
