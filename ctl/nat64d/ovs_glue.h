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

#ifdef __cplusplus
}
#endif

#endif /* ovs_glue.h */
