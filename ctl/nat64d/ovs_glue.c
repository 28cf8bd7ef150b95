/* libopenvswitch glue for nat64d: see ovs_glue.h.  Written in OVS's style,
 * against the OVS 3.1 tree the build patches (its config.h comes first, as
 * in every OVS source file). */
#include <config.h>

#include "ovs_glue.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "jsonrpc.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/match.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-errors.h"
#include "openvswitch/ofp-flow.h"
#include "openvswitch/ofp-meter.h"
#include "openvswitch/ofp-msgs.h"
#include "openvswitch/ofp-packet.h"
#include "openvswitch/ofp-protocol.h"
#include "openvswitch/ofp-switch.h"
#include "openvswitch/ofp-util.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/vconn.h"
#include "openvswitch/vlog.h"
#include "fatal-signal.h"
#include "flow.h"
#include "ovs-thread.h"
#include "stream.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

/* Bundles are OpenFlow 1.4 (OVS also speaks them as an ONF extension in
 * 1.3); the bridge must allow one of them, which OVS does by default. */
#define N64_OF_PROTOCOL OFPUTIL_P_OF14_OXM
#define N64_OF_VERSIONS ((1u << OFP14_VERSION) | (1u << OFP13_VERSION))
#define N64_TIMEOUT_MS 5000

void
n64_glue_init(const char *program_name)
{
    ovs_set_program_name(program_name, VERSION);
    vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_ERR);
    /* A peer that dies mid-conversation must be an error return, not a
     * SIGPIPE that ends the daemon. */
    fatal_ignore_sigpipe();
}

void
n64_free(void *p)
{
    free(p);
}

static int OVS_PRINTF_FORMAT(3, 4)
fail(char **errp, int error, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    *errp = xvasprintf(format, args);
    va_end(args);
    return error ? error : EINVAL;
}

/* The canonical one-line form of a flow (ovs_glue.h). */
static void
format_flow(struct ds *s, ovs_be64 cookie, uint8_t table_id, int priority,
            const struct match *match, const struct ofpact *ofpacts,
            size_t ofpacts_len)
{
    struct ofpact_format_params fp = { .s = s };

    ds_put_format(s, "cookie=0x%"PRIx64", table=%"PRIu8", ",
                  ntohll(cookie), table_id);
    match_format(match, NULL, s, priority);
    if (s->string[s->length - 1] != ' ') {
        ds_put_char(s, ' ');
    }
    ds_put_cstr(s, "actions=");
    ofpacts_format(ofpacts, ofpacts_len, &fp);
    ds_put_char(s, '\n');
}

/* Parses 'flows' (one add-flow per line; blank lines and '#' comments
 * skipped) into a list of OFPFC_ADD flow_mod messages for 'protocol'. */
static int
encode_flows(const char *flows, enum ofputil_protocol protocol,
             struct ovs_list *requests, char **errp)
{
    char *copy = xstrdup(flows);
    char *save = NULL;
    int line_no = 0;
    int error = 0;

    for (char *line = strtok_r(copy, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        struct ofputil_flow_mod fm;
        enum ofputil_protocol usable;
        char *perr;

        line_no++;
        line += strspn(line, " \t");
        if (!*line || *line == '#') {
            continue;
        }
        perr = parse_ofp_flow_mod_str(&fm, line, NULL, NULL, OFPFC_ADD,
                                      &usable);
        if (perr) {
            error = fail(errp, EINVAL, "flow %d \"%s\": %s", line_no, line,
                         perr);
            free(perr);
            break;
        }
        if (!(usable & protocol)) {
            error = fail(errp, EINVAL, "flow %d \"%s\" cannot be expressed in "
                         "OpenFlow 1.4", line_no, line);
        } else {
            struct ofpbuf *msg = ofputil_encode_flow_mod(&fm, protocol);
            ovs_list_push_back(requests, &msg->list_node);
        }
        free(fm.ofpacts);
        minimatch_destroy(&fm.match);
        if (error) {
            break;
        }
    }
    free(copy);
    return error;
}

int
n64_of_canonical(const char *flows, char **canonical, char **errp)
{
    struct ovs_list requests = OVS_LIST_INITIALIZER(&requests);
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ofpbuf *msg;
    int error;

    *canonical = NULL;
    error = encode_flows(flows, N64_OF_PROTOCOL, &requests, errp);
    LIST_FOR_EACH (msg, list_node, &requests) {
        struct ofputil_flow_mod fm;
        struct ofpbuf ofpacts;
        struct match match;
        enum ofperr ofperr;

        if (error) {
            break;
        }
        ofpbuf_init(&ofpacts, 64);
        ofperr = ofputil_decode_flow_mod(&fm, msg->data, N64_OF_PROTOCOL,
                                         NULL, NULL, &ofpacts, OFPP_MAX, 255);
        if (ofperr) {
            error = fail(errp, EINVAL, "decoding a flow: %s",
                         ofperr_to_string(ofperr));
        } else {
            minimatch_expand(&fm.match, &match);
            format_flow(&s, fm.new_cookie, fm.table_id, fm.priority, &match,
                        fm.ofpacts, fm.ofpacts_len);
            minimatch_destroy(&fm.match);
        }
        ofpbuf_uninit(&ofpacts);
    }
    ofpbuf_list_delete(&requests);
    if (error) {
        ds_destroy(&s);
        return error;
    }
    *canonical = ds_steal_cstr(&s);
    return 0;
}

static int
open_vconn(const char *target, struct vconn **vconnp, char **errp)
{
    int error = vconn_open_block(target, N64_OF_VERSIONS, DSCP_DEFAULT,
                                 N64_TIMEOUT_MS, vconnp);
    if (error) {
        return fail(errp, error, "%s: connecting: %s", target,
                    ovs_strerror(error));
    }
    return 0;
}

int
n64_of_dump(const char *target, uint64_t cookie, uint64_t cookie_mask,
            int with_stats, char **canonical, char **errp)
{
    struct ofputil_flow_stats_request fsr = {
        .aggregate = false,
        .cookie = htonll(cookie),
        .cookie_mask = htonll(cookie_mask),
        .out_port = OFPP_ANY,
        .out_group = OFPG_ANY,
        .table_id = 0xff,
    };
    struct ofputil_flow_stats *fses = NULL;
    struct ds s = DS_EMPTY_INITIALIZER;
    enum ofputil_protocol protocol;
    struct vconn *vconn;
    size_t n_fses = 0;
    int error;

    *canonical = NULL;
    match_init_catchall(&fsr.match);
    error = open_vconn(target, &vconn, errp);
    if (error) {
        return error;
    }
    protocol = ofputil_protocol_from_ofp_version(vconn_get_version(vconn));
    error = vconn_dump_flows(vconn, &fsr, protocol, &fses, &n_fses);
    vconn_close(vconn);
    if (error) {
        return fail(errp, error, "%s: dumping flows: %s", target,
                    ovs_strerror(error));
    }
    for (size_t i = 0; i < n_fses; i++) {
        const struct ofputil_flow_stats *fs = &fses[i];

        if (with_stats) {
            ofputil_flow_stats_format(&s, fs, NULL, NULL, true);
            ds_put_char(&s, '\n');
        } else {
            format_flow(&s, fs->cookie, fs->table_id, fs->priority,
                        &fs->match, fs->ofpacts, fs->ofpacts_len);
        }
        free(CONST_CAST(struct ofpact *, fs->ofpacts));
    }
    free(fses);
    *canonical = ds_steal_cstr(&s);
    return 0;
}

/* The first error of a bundle, as text. */
static char *
bundle_error(struct ovs_list *errors)
{
    struct ofpbuf *error;
    char *msg = NULL;

    LIST_FOR_EACH_POP (error, list_node, errors) {
        if (!msg) {
            struct ofpbuf payload;
            enum ofperr ofperr = ofperr_decode_msg(error->data, &payload);

            msg = xstrdup(ofperr ? ofperr_to_string(ofperr)
                                 : "undecodable error");
            if (ofperr) {
                ofpbuf_uninit(&payload);
            }
        }
        ofpbuf_delete(error);
    }
    return msg;
}

int
n64_of_replace(const char *target, uint64_t cookie, uint64_t cookie_mask,
               const char *flows, char **errp)
{
    struct ovs_list requests = OVS_LIST_INITIALIZER(&requests);
    struct ovs_list errors = OVS_LIST_INITIALIZER(&errors);
    enum ofputil_protocol protocol;
    struct ofputil_flow_mod del;
    struct vconn *vconn;
    char *reason;
    int error;

    error = open_vconn(target, &vconn, errp);
    if (error) {
        return error;
    }
    protocol = ofputil_protocol_from_ofp_version(vconn_get_version(vconn));

    /* First the delete of everything that carries our cookie, in all
     * tables, then the adds: ordered, so the bundle is "replace ours". */
    memset(&del, 0, sizeof del);
    minimatch_init_catchall(&del.match);
    del.cookie = htonll(cookie);
    del.cookie_mask = htonll(cookie_mask);
    del.new_cookie = OVS_BE64_MAX;
    del.table_id = OFPTT_ALL;
    del.command = OFPFC_DELETE;
    del.buffer_id = UINT32_MAX;
    del.out_port = OFPP_ANY;
    del.out_group = OFPG_ANY;
    ovs_list_push_back(&requests,
                       &ofputil_encode_flow_mod(&del, protocol)->list_node);
    minimatch_destroy(&del.match);

    error = encode_flows(flows, protocol, &requests, errp);
    if (!error) {
        error = vconn_bundle_transact(vconn, &requests,
                                      OFPBF_ORDERED | OFPBF_ATOMIC, &errors);
        reason = bundle_error(&errors);
        if (reason) {
            error = fail(errp, error ? error : EPROTO,
                         "%s: flow bundle refused: %s", target, reason);
            free(reason);
        } else if (error) {
            error = fail(errp, error, "%s: flow bundle: %s", target,
                         ovs_strerror(error));
        }
    }
    ofpbuf_list_delete(&requests);
    vconn_close(vconn);
    return error;
}

int
n64_unixctl(const char *path, const char *command, int argc,
            const char *argv[], char **result, char **errp)
{
    struct jsonrpc *client;
    char *cmd_result = NULL;
    char *cmd_error = NULL;
    int error;

    *result = NULL;
    error = unixctl_client_create(path, &client);
    if (error) {
        return fail(errp, error, "%s: connecting: %s", path,
                    ovs_strerror(error));
    }
    error = unixctl_client_transact(client, command, argc,
                                    (char **) argv,
                                    &cmd_result, &cmd_error);
    jsonrpc_close(client);
    if (error) {
        error = fail(errp, error, "%s: %s: %s", path, command,
                     ovs_strerror(error));
    } else if (cmd_error) {
        size_t len = strlen(cmd_error);

        while (len && cmd_error[len - 1] == '\n') {
            cmd_error[--len] = '\0';
        }
        error = fail(errp, EPROTO, "%s", cmd_error);
    } else {
        *result = cmd_result ? cmd_result : xstrdup("");
        cmd_result = NULL;
    }
    free(cmd_result);
    free(cmd_error);
    return error;
}

int
n64_ovsdb_transact(const char *remote, const char *params_json,
                   char **result_json, char **errp)
{
    struct jsonrpc_msg *request, *reply = NULL;
    struct stream *stream;
    struct jsonrpc *rpc;
    struct json *params;
    int error;

    *result_json = NULL;
    params = json_from_string(params_json);
    if (params->type == JSON_STRING) {
        /* json_from_string() reports a parse error as a string. */
        error = fail(errp, EINVAL, "bad OVSDB request: %s",
                     json_string(params));
        json_destroy(params);
        return error;
    }
    error = stream_open_block(jsonrpc_stream_open(remote, &stream,
                                                  DSCP_DEFAULT),
                              N64_TIMEOUT_MS, &stream);
    if (error) {
        json_destroy(params);
        return fail(errp, error, "%s: connecting: %s", remote,
                    ovs_strerror(error));
    }
    rpc = jsonrpc_open(stream);
    request = jsonrpc_create_request("transact", params, NULL);
    error = jsonrpc_transact_block(rpc, request, &reply);
    jsonrpc_close(rpc);
    if (error) {
        return fail(errp, error, "%s: transact: %s", remote,
                    ovs_strerror(error));
    }
    if (reply->error) {
        char *text = json_to_string(reply->error, 0);
        error = fail(errp, EPROTO, "%s: transact: %s", remote, text);
        free(text);
    } else {
        *result_json = json_to_string(reply->result, 0);
    }
    jsonrpc_msg_destroy(reply);
    return error;
}

int
n64_of_meter_set(const char *target, uint32_t meter_id, uint32_t pktps,
                 uint32_t burst, char **errp)
{
    struct ofputil_meter_band band = {
        .type = OFPMBT13_DROP,
        .rate = pktps,
        .burst_size = burst,
    };
    struct ofputil_meter_mod mm = {
        .command = OFPMC13_ADD,
        .meter = {
            .meter_id = meter_id,
            .flags = OFPMF13_PKTPS | OFPMF13_BURST,
            .n_bands = 1,
            .bands = &band,
        },
    };
    struct vconn *vconn;
    int error;

    error = open_vconn(target, &vconn, errp);
    if (error) {
        return error;
    }
    /* Add, or modify the one that is there: either way it ends up as
     * asked, and flows that use it keep it. */
    for (int attempt = 0; attempt < 2; attempt++) {
        struct ofpbuf *reply = NULL;
        enum ofperr ofperr;

        error = vconn_transact_noreply(
            vconn, ofputil_encode_meter_mod(vconn_get_version(vconn), &mm),
            &reply);
        if (error) {
            error = fail(errp, error, "%s: meter %"PRIu32": %s", target,
                         meter_id, ovs_strerror(error));
            break;
        }
        if (!reply) {
            break;
        }
        ofperr = ofperr_decode_msg(reply->data, NULL);
        ofpbuf_delete(reply);
        if (ofperr == OFPERR_OFPMMFC_METER_EXISTS && !attempt) {
            mm.command = OFPMC13_MODIFY;
            continue;
        }
        error = fail(errp, EPROTO, "%s: meter %"PRIu32" refused: %s", target,
                     meter_id, ofperr ? ofperr_to_string(ofperr)
                                      : "unexpected reply");
        break;
    }
    vconn_close(vconn);
    return error;
}

/* ---- Service connections (packet-in, packet-out) ------------------------ */

struct n64_svc {
    struct vconn *vconn;
    struct ofpbuf *msg;         /* The last packet-in, owned until next recv. */
    struct ofputil_packet_in pin;
};

/* The service connection waits at most this long for ovs-vswitchd: nat64d's
 * loop must not hang on a wedged switch (its systemd watchdog would kill
 * nat64d and, with it, the VNets' DNS64 resolvers). */
#define N64_SVC_TIMEOUT_MS 1000

/* Receives on 'vconn' until the reply with 'xid' (into '*replyp', or
 * discarded if 'replyp' is NULL) or 'deadline' (time_msec()); other
 * messages are dropped on the way. */
static int
recv_xid(struct vconn *vconn, ovs_be32 xid, long long int deadline,
         struct ofpbuf **replyp)
{
    for (;;) {
        struct ofpbuf *msg;
        int error;

        vconn_run(vconn);
        error = vconn_recv(vconn, &msg);
        if (!error) {
            if (((struct ofp_header *) msg->data)->xid != xid) {
                ofpbuf_delete(msg);
                continue;
            }
            if (replyp) {
                *replyp = msg;
            } else {
                ofpbuf_delete(msg);
            }
            return 0;
        }
        if (error != EAGAIN) {
            return error;
        }
        if (time_msec() >= deadline) {
            return ETIMEDOUT;
        }
        vconn_run_wait(vconn);
        vconn_recv_wait(vconn);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

/* Sends 'msg' (always consumed) and waits for the reply with its xid. */
static int
transact_bounded(struct vconn *vconn, struct ofpbuf *msg,
                 long long int deadline, struct ofpbuf **replyp)
{
    ovs_be32 xid = ((struct ofp_header *) msg->data)->xid;
    int error = vconn_send(vconn, msg);

    if (error) {
        ofpbuf_delete(msg);
        return error;
    }
    return recv_xid(vconn, xid, deadline, replyp);
}

int
n64_svc_open(const char *target, struct n64_svc **svcp, char **errp)
{
    struct ofputil_switch_config config;
    struct ofpbuf *request, *reply;
    long long int deadline;
    enum ofptype type;
    struct n64_svc *svc;
    struct vconn *vconn;
    int error;

    *svcp = NULL;
    error = vconn_open_block(target, N64_OF_VERSIONS, DSCP_DEFAULT,
                             N64_SVC_TIMEOUT_MS, &vconn);
    if (error) {
        return fail(errp, error, "%s: connecting: %s", target,
                    ovs_strerror(error));
    }
    deadline = time_msec() + N64_SVC_TIMEOUT_MS;

    /* A service connection gets no packet-ins until it asks with a non-zero
     * miss_send_len (OFPT_SET_CONFIG).  The same message also carries the
     * fragment handling, which is the whole switch's, so it is sent back as
     * the switch reports it: only our connection's setting changes.  A
     * barrier then proves the switch took it. */
    request = ofpraw_alloc(OFPRAW_OFPT_GET_CONFIG_REQUEST,
                           vconn_get_version(vconn), 0);
    error = transact_bounded(vconn, request, deadline, &reply);
    if (error) {
        vconn_close(vconn);
        return fail(errp, error, "%s: asking for the switch configuration: "
                    "%s", target, ovs_strerror(error));
    }
    if (ofptype_decode(&type, reply->data)
        || type != OFPTYPE_GET_CONFIG_REPLY) {
        ofpbuf_delete(reply);
        vconn_close(vconn);
        return fail(errp, EPROTO, "%s: bad reply to a configuration request",
                    target);
    }
    ofputil_decode_get_config_reply(reply->data, &config);
    ofpbuf_delete(reply);
    config.miss_send_len = UINT16_MAX;
    request = ofputil_encode_set_config(&config, vconn_get_version(vconn));
    error = vconn_send(vconn, request);
    if (error) {
        ofpbuf_delete(request);     /* Still ours when the send failed. */
    } else {
        error = transact_bounded(
            vconn, ofputil_encode_barrier_request(vconn_get_version(vconn)),
            deadline, NULL);
    }
    if (error) {
        vconn_close(vconn);
        return fail(errp, error, "%s: setting miss_send_len: %s", target,
                    ovs_strerror(error));
    }

    svc = xzalloc(sizeof *svc);
    svc->vconn = vconn;
    *svcp = svc;
    return 0;
}

void
n64_svc_close(struct n64_svc *svc)
{
    if (svc) {
        ofpbuf_delete(svc->msg);
        vconn_close(svc->vconn);
        free(svc);
    }
}

int
n64_svc_recv(struct n64_svc *svc, const uint8_t **frame, size_t *len,
             uint32_t *in_port, uint64_t *cookie, char **errp)
{
    *frame = NULL;
    *len = 0;
    ofpbuf_delete(svc->msg);
    svc->msg = NULL;

    vconn_run(svc->vconn);
    for (;;) {
        struct ofpbuf *msg;
        enum ofptype type;
        int error;

        error = vconn_recv(svc->vconn, &msg);
        if (error == EAGAIN) {
            return EAGAIN;
        } else if (error) {
            return fail(errp, error, "%s: %s", vconn_get_name(svc->vconn),
                        error == EOF ? "connection closed"
                                     : ovs_strerror(error));
        }
        if (ofptype_decode(&type, msg->data)) {
            ofpbuf_delete(msg);
            continue;
        }
        if (type == OFPTYPE_ECHO_REQUEST) {
            /* ovs-vswitchd probes idle connections and drops those that
             * do not answer. */
            struct ofpbuf *reply = ofputil_encode_echo_reply(msg->data);

            ofpbuf_delete(msg);
            error = vconn_send(svc->vconn, reply);
            if (error) {
                ofpbuf_delete(reply);
            }
            if (error && error != EAGAIN) {
                return fail(errp, error, "%s: %s",
                            vconn_get_name(svc->vconn), ovs_strerror(error));
            }
            continue;
        }
        if (type == OFPTYPE_ERROR) {
            /* A packet-out the switch refused: the caller counts it. */
            enum ofperr ofperr = ofperr_decode_msg(msg->data, NULL);

            ofpbuf_delete(msg);
            return fail(errp, ENOMSG, "%s: the switch refused a message: %s",
                        vconn_get_name(svc->vconn),
                        ofperr ? ofperr_to_string(ofperr) : "undecodable");
        }
        if (type != OFPTYPE_PACKET_IN) {
            ofpbuf_delete(msg);     /* Port status, flow removed, ...: not ours. */
            continue;
        }
        if (ofputil_decode_packet_in(msg->data, true, NULL, NULL, &svc->pin,
                                     NULL, NULL, NULL)) {
            ofpbuf_delete(msg);
            continue;
        }
        svc->msg = msg;
        *frame = svc->pin.packet;
        *len = svc->pin.packet_len;
        *in_port = ofp_to_u16(svc->pin.flow_metadata.flow.in_port.ofp_port);
        *cookie = ntohll(svc->pin.cookie);
        return 0;
    }
}

int
n64_svc_send(struct n64_svc *svc, const uint8_t *frame, size_t len,
             uint32_t out_port, char **errp)
{
    enum ofputil_protocol protocol
        = ofputil_protocol_from_ofp_version(vconn_get_version(svc->vconn));
    struct ofputil_packet_out po;
    uint64_t stub[64 / 8];
    struct ofpbuf *msg;
    struct ofpbuf ofpacts;
    int error;

    /* From LOCAL, the router's own port: output:ALL then means every port
     * but the router's, and the packet never enters the flow tables. */
    ofpbuf_use_stub(&ofpacts, stub, sizeof stub);
    ofpact_put_OUTPUT(&ofpacts)->port = out_port == N64_PORT_ALL
                                        ? OFPP_ALL
                                        : u16_to_ofp(out_port);
    memset(&po, 0, sizeof po);
    po.packet = frame;
    po.packet_len = len;
    po.buffer_id = UINT32_MAX;
    match_init_catchall(&po.flow_metadata);
    match_set_in_port(&po.flow_metadata, OFPP_LOCAL);
    po.ofpacts = ofpacts.data;
    po.ofpacts_len = ofpacts.size;

    msg = ofputil_encode_packet_out(&po, protocol);
    ofpbuf_uninit(&ofpacts);
    vconn_run(svc->vconn);
    error = vconn_send(svc->vconn, msg);
    vconn_run(svc->vconn);
    if (error) {
        /* EAGAIN: a full send queue, which the caller counts as a drop. */
        ofpbuf_delete(msg);
        return fail(errp, error, "%s: packet-out: %s",
                    vconn_get_name(svc->vconn), ovs_strerror(error));
    }
    return 0;
}

int
n64_svc_send_sync(struct n64_svc *svc, const uint8_t *frame, size_t len,
                  uint32_t out_port, char **errp)
{
    int error = n64_svc_send(svc, frame, len, out_port, errp);

    if (error) {
        return error;
    }
    /* The barrier's reply comes after the packet-out was executed. */
    error = transact_bounded(
        svc->vconn, ofputil_encode_barrier_request(
                        vconn_get_version(svc->vconn)),
        time_msec() + N64_SVC_TIMEOUT_MS, NULL);
    if (error) {
        return fail(errp, error, "%s: packet-out not confirmed: %s",
                    vconn_get_name(svc->vconn), ovs_strerror(error));
    }
    return 0;
}

void
n64_svc_wait(struct n64_svc *svc)
{
    vconn_run_wait(svc->vconn);
    vconn_recv_wait(svc->vconn);
}

/* ---- OVS's poll loop ------------------------------------------------------ */

void
n64_poll_fd_wait(int fd)
{
    poll_fd_wait(fd, POLLIN);
}

void
n64_poll_timer_wait(long long int msec)
{
    poll_timer_wait(msec);
}

void
n64_poll_block(void)
{
    poll_block();
}
