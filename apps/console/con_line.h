// SPDX-License-Identifier: MIT
// The management console's line editor (apps/console): turns the bytes typed
// on the serial line into command lines. Printable ASCII is kept and echoed,
// backspace and DEL erase one character, CR or LF ends the line (CR LF counts
// once), other control bytes and ANSI escape sequences (arrow keys) are
// ignored, and a line longer than CON_LINE_MAX - 1 bytes is refused as a
// whole when it ends. Pure and freestanding: no I/O, the caller prints the
// echo text and runs the line. Host-tested by tests/unit/con_line_test.c.
#ifndef RW_CON_LINE_H
#define RW_CON_LINE_H

#include <stdbool.h>
#include <stdint.h>

#define CON_LINE_MAX 256 // bytes of a line, with its NUL
#define CON_ECHO_MAX 4   // echo text of one byte

enum con_line_event {
    CON_LINE_NONE = 0, // keep reading
    CON_LINE_DONE,     // buf holds a complete line (NUL-terminated)
    CON_LINE_OVERLONG, // a line ended that was too long: it was dropped
};

struct con_line {
    char buf[CON_LINE_MAX];
    uint32_t len;
    bool overlong; // bytes were dropped from the current line
    bool after_cr; // the previous byte was CR: a LF now ends nothing
    uint8_t esc;   // 0, 1 after ESC, 2 inside a CSI/SS3 sequence
};

void con_line_init(struct con_line *l);
// Feeds one byte. *echo receives what to print back (NUL-terminated, at most
// CON_ECHO_MAX - 1 bytes). After CON_LINE_DONE the line is in l->buf until
// the next call, which starts a new line.
enum con_line_event con_line_feed(struct con_line *l, uint8_t c, char echo[CON_ECHO_MAX]);

// Trims blanks at both ends of s in place; returns the trimmed start.
char *con_trim(char *s);

#endif
