// SPDX-License-Identifier: MIT
// Control-channel request encoding and checking (see comp_ctl.h). Every
// value that came from another component is checked here before init looks
// anything up with it: names byte by byte, fault codes against the list.
#include "lib/comp_ctl.h"

#include "lib/string.h"

static const char *const fault_names[] = {
    [COMP_FAULT_BAD_POINTER] = "bad-pointer",
    [COMP_FAULT_BAD_DESCRIPTOR] = "bad-descriptor",
    [COMP_FAULT_LOOP] = "loop",
    [COMP_FAULT_ABORT] = "abort",
};
#define FAULT_COUNT (sizeof(fault_names) / sizeof(fault_names[0]))

static const char *const reply_texts[COMP_REPLY_COUNT] = {
    [COMP_REPLY_OK] = "ok",
    [COMP_REPLY_NO_SUCH] = "no such component",
    [COMP_REPLY_NOT_ALLOWED] = "not allowed (no manage=yes)",
    [COMP_REPLY_NOT_RUNNING] = "not running",
    [COMP_REPLY_BAD_FAULT] = "bad fault",
    [COMP_REPLY_NOT_SUPPORTED] = "fault not supported by the component",
    [COMP_REPLY_BUSY] = "a fault is already pending",
    [COMP_REPLY_BAD_REQUEST] = "malformed request",
};

static const char *const state_names[] = {
    [COMP_STATE_RUNNING] = "running",
    [COMP_STATE_RESTARTING] = "restarting",
    [COMP_STATE_FAILED] = "failed",
    [COMP_STATE_STOPPED] = "stopped",
};

void comp_ctl_put_name(uint64_t w[2], const char *name)
{
    char buf[COMP_NAME_MAX] = {0};
    memcpy(buf, name, strnlen(name, COMP_NAME_MAX - 1));
    memcpy(w, buf, sizeof(buf));
}

static bool name_byte(char c, bool first)
{
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (first)
        return alpha;
    return alpha || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool comp_ctl_get_name(const uint64_t w[2], char out[COMP_NAME_MAX])
{
    char buf[COMP_NAME_MAX];
    memcpy(buf, w, sizeof(buf));
    size_t n = strnlen(buf, COMP_NAME_MAX);
    if (n == 0 || n == COMP_NAME_MAX)
        return false;
    for (size_t i = 0; i < COMP_NAME_MAX; i++) {
        if (i < n ? !name_byte(buf[i], i == 0) : buf[i] != '\0')
            return false; // padding must be NUL too: one spelling per name
    }
    memcpy(out, buf, sizeof(buf));
    return true;
}

void comp_ctl_encode(const struct comp_ctl_request *r, uint64_t tag, struct chan_msg *m)
{
    memset(m, 0, sizeof(*m));
    m->words[0] = r->kind;
    if (r->kind == COMP_CTL_STATUS || r->kind == COMP_CTL_CPU)
        m->words[1] = r->index;
    else
        comp_ctl_put_name(&m->words[1], r->target);
    if (r->kind == COMP_CTL_INJECT)
        m->words[3] = r->fault;
    m->words[5] = tag;
}

int comp_ctl_decode(const struct chan_msg *m, struct comp_ctl_request *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = (uint32_t)m->words[0];
    if (m->words[0] == COMP_CTL_STATUS || m->words[0] == COMP_CTL_CPU) {
        if (m->words[1] > UINT32_MAX)
            return COMP_REPLY_NO_SUCH;
        r->index = (uint32_t)m->words[1];
        return COMP_REPLY_OK;
    }
    if (m->words[0] != COMP_CTL_RESTART && m->words[0] != COMP_CTL_INJECT)
        return COMP_REPLY_BAD_REQUEST;
    if (!comp_ctl_get_name(&m->words[1], r->target))
        return COMP_REPLY_BAD_REQUEST;
    if (m->words[0] == COMP_CTL_INJECT) {
        if (!comp_fault_name(m->words[3]))
            return COMP_REPLY_BAD_FAULT;
        r->fault = (uint32_t)m->words[3];
    }
    return COMP_REPLY_OK;
}

const char *comp_fault_name(uint64_t fault)
{
    return fault < FAULT_COUNT ? fault_names[fault] : NULL;
}

uint32_t comp_fault_parse(const char *s)
{
    for (uint32_t i = 1; i < FAULT_COUNT; i++) {
        if (strcmp(s, fault_names[i]) == 0)
            return i;
    }
    return 0;
}

const char *comp_reply_text(uint64_t status)
{
    return status < COMP_REPLY_COUNT ? reply_texts[status] : "unknown status";
}

const char *comp_state_name(uint64_t state)
{
    return state < sizeof(state_names) / sizeof(state_names[0]) && state_names[state]
               ? state_names[state]
               : "?";
}
