// SPDX-License-Identifier: MIT
// The management console's line editor (see con_line.h).
#include "apps/console/con_line.h"

#define CON_BS  0x08
#define CON_DEL 0x7f
#define CON_ESC 0x1b

void con_line_init(struct con_line *l)
{
    l->len = 0;
    l->buf[0] = '\0';
    l->overlong = false;
    l->after_cr = false;
    l->esc = 0;
}

// Inside an escape sequence: ESC [ ... final, ESC O final, or ESC and one byte.
static bool con_escape(struct con_line *l, uint8_t c)
{
    if (c == CON_ESC) {
        l->esc = 1;
        return true;
    }
    if (l->esc == 1) {
        l->esc = (c == '[' || c == 'O') ? 2 : 0;
        return true;
    }
    if (l->esc == 2) {
        if (c >= 0x40 && c <= 0x7e)
            l->esc = 0; // the final byte
        return true;
    }
    return false;
}

// A line ends: report it, and start a new one on the next byte.
static enum con_line_event con_end(struct con_line *l, char *echo)
{
    echo[0] = '\n';
    echo[1] = '\0';
    l->buf[l->len] = '\0';
    bool overlong = l->overlong;
    l->overlong = false;
    l->esc = 0;
    if (overlong) {
        l->len = 0;
        l->buf[0] = '\0';
        return CON_LINE_OVERLONG;
    }
    l->len = 0; // buf keeps the line until the next byte arrives
    return CON_LINE_DONE;
}

enum con_line_event con_line_feed(struct con_line *l, uint8_t c, char echo[CON_ECHO_MAX])
{
    echo[0] = '\0';
    bool after_cr = l->after_cr;
    l->after_cr = c == '\r';
    if (c == '\n' && after_cr)
        return CON_LINE_NONE; // the LF of a CR LF
    if (c == '\r' || c == '\n')
        return con_end(l, echo);
    if (con_escape(l, c))
        return CON_LINE_NONE;
    if (c == CON_BS || c == CON_DEL) {
        if (l->len > 0 && !l->overlong) {
            l->len--;
            echo[0] = '\b', echo[1] = ' ', echo[2] = '\b', echo[3] = '\0';
        }
        return CON_LINE_NONE;
    }
    if (c < 0x20 || c > 0x7e)
        return CON_LINE_NONE; // other control bytes, and anything not ASCII
    if (l->len + 1 >= CON_LINE_MAX) {
        l->overlong = true; // no echo: the line will be refused
        return CON_LINE_NONE;
    }
    l->buf[l->len++] = (char)c;
    echo[0] = (char)c;
    echo[1] = '\0';
    return CON_LINE_NONE;
}

char *con_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s;
    for (char *p = s; *p; p++) {
        if (*p != ' ' && *p != '\t')
            end = p + 1;
    }
    *end = '\0';
    return s;
}
