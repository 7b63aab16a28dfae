/*
 * console_edit.c: line editing on a terminal, with libedit (console.h).
 *
 * libedit's own API (histedit.h) in EL_UNBUFFERED mode: the prompt shown
 * while a line is edited, the questions asked before hello, Tab
 * completion from the words the console has learnt, and the history kept
 * in ~/.firedrill_history. Off a terminal none of this runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "live/console_internal.h"

/* ---- the prompt and libedit ---- */

static char *prompt_fn(EditLine *el)
{
    Console *c = NULL;
    el_get(el, EL_CLIENTDATA, &c);
    return c ? c->prompt : (char *)"> ";
}

void console_set_prompt(Console *c)
{
    if (c->ask == ASK_NAME) {
        const char *u = getenv("USER");
        snprintf(c->prompt, sizeof c->prompt, "your name [%s]: ", u && *u ? u : "player");
    } else if (c->ask == ASK_TEAM) {
        Buf b = {0};
        console_buf_puts(&b, "your team (");
        for (int i = 0; i < c->played.n; i++) console_buf_printf(&b, "%s%s", i ? ", " : "", c->played.v[i]);
        console_buf_puts(&b, c->facilitator ? "; empty to watch): " : "): ");
        snprintf(c->prompt, sizeof c->prompt, "%s", b.oom ? "your team: " : b.s);
        free(b.s);
    } else {
        snprintf(c->prompt, sizeof c->prompt, "%s> ",
                 c->team ? c->team : c->facilitator ? "facilitator" : "watch");
    }
}

/* Shows the prompt and lets keys in (raw mode). */
void console_edit_begin(Console *c)
{
    if (!c->interactive || c->editing || c->stopped) return;
    console_set_prompt(c);
    el_set(c->el, EL_UNBUFFERED, 1);
    c->editing = true;
}

/* Back to the terminal's ordinary mode. */
void console_edit_end(Console *c)
{
    if (!c->interactive || !c->editing) return;
    el_set(c->el, EL_UNBUFFERED, 0);
    c->editing = false;
}

/* Off a terminal a question is printed on its own line. */
void console_ask(Console *c, int what)
{
    c->ask = what;
    console_set_prompt(c);
    if (c->interactive) {
        console_emit(c, "", 0);  /* while editing: redraw with the new prompt */
    } else {
        console_say(c, "%s", c->prompt);
    }
}

/* ---- completion (from words learnt) ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned char complete_fn(EditLine *el, int ch)
{
    (void)ch;
    Console *c = NULL;
    el_get(el, EL_CLIENTDATA, &c);
    if (!c || c->ask != ASK_NONE) return CC_REFRESH_BEEP;
    const LineInfo *li = el_line(el);
    size_t len = (size_t)(li->cursor - li->buffer);
    const char *line = li->buffer;
    size_t ws = len;
    while (ws > 0 && line[ws - 1] != ' ') ws--;
    const char *word = line + ws;
    size_t wl = len - ws;
    /* the first word of the line, if any precedes this one */
    size_t f0 = 0;
    while (f0 < ws && line[f0] == ' ') f0++;
    size_t f1 = f0;
    while (f1 < ws && line[f1] != ' ') f1++;
    bool first = f0 == ws;
    char verb[64] = "";
    if (!first && f1 - f0 < sizeof verb) {
        memcpy(verb, line + f0, f1 - f0);
        verb[f1 - f0] = '\0';
    }

    const StrV *from = first ? &c->vverbs
                       : (c->facilitator && strcmp(verb, "inject") == 0) ? &c->injects
                       : strcmp(verb, "help") == 0 ? &c->vverbs : &c->words;
    StrV m = {0};
    for (int i = 0; i < from->n; i++)
        if (strncmp(from->v[i], word, wl) == 0) console_strv_add(&m, from->v[i]);
    unsigned char rc = CC_REFRESH;
    if (m.n == 0) {
        rc = CC_REFRESH_BEEP;
    } else if (m.n == 1) {
        Buf b = {0};
        console_buf_puts(&b, m.v[0] + wl);
        console_buf_puts(&b, " ");
        if (!b.oom) el_insertstr(el, b.s);
        free(b.s);
    } else {
        size_t common = strlen(m.v[0]);
        for (int i = 1; i < m.n; i++) {
            size_t k = 0;
            while (k < common && m.v[i][k] == m.v[0][k]) k++;
            common = k;
        }
        if (common > wl) {
            char *ins = malloc(common - wl + 1);
            if (ins) {
                memcpy(ins, m.v[0] + wl, common - wl);
                ins[common - wl] = '\0';
                el_insertstr(el, ins);
                free(ins);
            }
        } else {
            qsort(m.v, (size_t)m.n, sizeof *m.v, cmp_str);
            Buf b = {0};
            for (int i = 0; i < m.n; i++) console_buf_printf(&b, "%s%s", i ? "  " : "", m.v[i]);
            console_emit_buf(c, &b);  /* above the line, which is redrawn */
            rc = CC_NORM;
        }
    }
    console_strv_free(&m);
    return rc;
}

/* ---- set up and tear down ---- */

static void history_path(Console *c)
{
    const char *home = getenv("HOME");
    if (!home || !*home) return;
    size_t n = strlen(home) + sizeof "/.firedrill_history";
    c->histfile = malloc(n);
    if (c->histfile) snprintf(c->histfile, n, "%s/.firedrill_history", home);
}

int console_setup_editline(Console *c)
{
    int fi = dup(c->in_fd), fo = dup(c->out_fd);
    if (fi >= 0) c->fin = fdopen(fi, "r");
    if (fo >= 0) c->fout = fdopen(fo, "w");
    if (!c->fin || !c->fout) {
        if (c->fin) fclose(c->fin);
        else if (fi >= 0) close(fi);
        if (c->fout) fclose(c->fout);
        else if (fo >= 0) close(fo);
        c->fin = c->fout = NULL;
        return -1;
    }
    c->el = el_init_fd("firedrill", c->fin, c->fout, c->fout, c->in_fd, c->out_fd, STDERR_FILENO);
    c->hist = history_init();
    if (!c->el || !c->hist) return -1;
    history(c->hist, &c->hev, H_SETSIZE, 1000);
    history(c->hist, &c->hev, H_SETUNIQUE, 1);
    history_path(c);
    if (c->histfile) history(c->hist, &c->hev, H_LOAD, c->histfile);
    el_set(c->el, EL_CLIENTDATA, c);
    el_set(c->el, EL_EDITOR, "emacs");
    el_set(c->el, EL_SIGNAL, 0);
    el_set(c->el, EL_PROMPT, prompt_fn);
    el_set(c->el, EL_HIST, history, c->hist);
    /* The wide call keeps these (static) strings; el_set(EL_ADDFN) would
     * copy them and never free the copies. */
    el_wset(c->el, EL_ADDFN, L"fd-complete", L"complete a command or a name", complete_fn);
    el_set(c->el, EL_BIND, "^I", "fd-complete", NULL);
    return 0;
}

void console_teardown_editline(Console *c)
{
    console_edit_end(c);
    if (c->hist && c->histfile) history(c->hist, &c->hev, H_SAVE, c->histfile);
    if (c->el) el_end(c->el);      /* puts the terminal back as it was */
    if (c->hist) history_end(c->hist);
    c->el = NULL;
    c->hist = NULL;
    if (c->fin) fclose(c->fin);
    if (c->fout) fclose(c->fout);
    c->fin = c->fout = NULL;
}
