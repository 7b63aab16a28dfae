/*
 * console_print.c: what the hub sends, printed (console.h).
 *
 * One line (or a few) per message: alerts, pages, timeline entries,
 * status posts, replies, pauses, players joining and leaving, the end of
 * the run. Names in them (alerts, pages) are learnt for completion.
 * The welcome is the session's (console_session.c).
 */
#include <stdio.h>
#include <string.h>

#include "live/console_internal.h"

/* ---- printing what the hub sends ---- */

static const char *clock_of(const json_t *m)
{
    const char *k = console_jstr(m, "clock");
    return k ? k : "--:--:--";
}

void console_print_alert(Console *c, const json_t *m)
{
    const char *name = console_jstr(m, "name");
    const char *what = console_jstr(m, "what");
    bool firing = json_is_true(json_object_get(m, "firing"));
    console_strv_add(&c->words, name);
    console_say(c, "[%s] %sALERT %s %s%s%s%s", clock_of(m), console_col(c, firing ? C_RED C_BOLD : C_GREEN),
        name ? name : "?", firing ? "firing" : "resolved", what ? ": " : "", what ? what : "",
        console_col(c, C_OFF));
}

void console_print_page(Console *c, const json_t *m)
{
    json_int_t id = json_integer_value(json_object_get(m, "id"));
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    console_strv_add(&c->words, ids);
    const char *team = console_jstr(m, "team");
    const char *why = console_jstr(m, "why");
    const char *state = console_jstr(m, "state");
    const char *by = console_jstr(m, "by");
    const char *from = console_jstr(m, "from");
    Buf b = {0};
    console_buf_printf(&b, "[%s] %sPAGE #%s", clock_of(m), console_col(c, C_YELLOW C_BOLD), ids);
    if (state && strcmp(state, "acked") == 0) {
        console_buf_printf(&b, " to %s acked by %s", team ? team : "?", by ? by : "someone");
    } else {
        console_buf_printf(&b, " to %s", team ? team : "?");
        if (from) console_buf_printf(&b, " from %s", from);
        if (state && strcmp(state, "escalated") == 0) console_buf_puts(&b, " ESCALATED");
        console_buf_printf(&b, ": %s (ack %s)", why ? why : "", ids);
    }
    console_buf_puts(&b, console_col(c, C_OFF));
    console_emit_buf(c, &b);
}

static void who_text(const json_t *who, char *out, size_t n)
{
    if (json_is_string(who)) {
        snprintf(out, n, "%s", json_string_value(who));
    } else if (json_is_object(who)) {
        const char *name = console_jstr(who, "name"), *team = console_jstr(who, "team");
        if (name && team) snprintf(out, n, "%s (%s)", name, team);
        else snprintf(out, n, "%s", name ? name : team ? team : "");
    } else {
        out[0] = '\0';
    }
}

static void print_timeline(Console *c, const json_t *m)
{
    static const char *const kinds[] = {"action", "note", "status", "command", "inject", "hint"};
    const char *kind = console_jstr(m, "kind");
    bool shown = false;
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind, kinds[i]) == 0) shown = true;
    if (!shown) return;  /* alerts and pages come as their own messages */
    char who[160];
    who_text(json_object_get(m, "who"), who, sizeof who);
    const char *text = console_jstr(m, "text");
    console_say(c, "[%s] %s%s%s", clock_of(m), who, *who ? ": " : "", text ? text : "");
}

static void print_status(Console *c, const json_t *m)
{
    const char *state = console_jstr(m, "state"), *text = console_jstr(m, "text");
    console_say(c, "[%s] %sSTATUS %s%s: %s", clock_of(m), console_col(c, C_CYAN), state ? state : "?",
        console_col(c, C_OFF), text ? text : "");
}

static void print_reply(Console *c, const json_t *m)
{
    const char *text = console_jstr(m, "text");
    bool ok = json_is_true(json_object_get(m, "ok"));
    if (!text || !*text) {
        if (!ok) console_say(c, "%serror%s", console_col(c, C_RED), console_col(c, C_OFF));
        return;
    }
    Buf b = {0};
    if (!ok) console_buf_printf(&b, "%serror:%s ", console_col(c, C_RED), console_col(c, C_OFF));
    console_buf_puts(&b, text);
    console_emit_buf(c, &b);
}

static void print_tick(Console *c, const json_t *m)
{
    json_t *p = json_object_get(m, "paused");
    if (!json_is_boolean(p)) return;
    bool paused = json_is_true(p);
    if (paused == c->paused) return;
    c->paused = paused;
    console_say(c, "%s-- %s --%s", console_col(c, C_DIM), paused ? "paused" : "resumed", console_col(c, C_OFF));
}

static void print_player(Console *c, const json_t *m)
{
    const char *name = console_jstr(m, "name"), *team = console_jstr(m, "team");
    bool joined = json_is_true(json_object_get(m, "joined"));
    console_say(c, "%s-- %s%s%s%s %s --%s", console_col(c, C_DIM), name ? name : "someone", team ? " (" : "",
        team ? team : "", team ? ")" : "", joined ? "joined" : "left", console_col(c, C_OFF));
}

static void print_end(Console *c, const json_t *m)
{
    const json_t *s = json_object_get(m, "summary");
    const char *report = console_jstr(m, "report");
    Buf b = {0};
    console_buf_printf(&b, "%s-- the run is over", console_col(c, C_BOLD));
    const char *scen = console_jstr(s, "scenario");
    if (scen) console_buf_printf(&b, ": %s", scen);
    json_t *ex = json_object_get(s, "expectations");
    if (json_is_array(ex) && json_array_size(ex) > 0) {
        size_t met = 0, i;
        json_t *x;
        json_array_foreach(ex, i, x) if (json_is_true(json_object_get(x, "ok"))) met++;
        console_buf_printf(&b, ", expectations %zu/%zu met", met, json_array_size(ex));
    }
    json_t *inc = json_object_get(s, "incident");
    json_t *dur = json_object_get(inc, "duration_s");
    if (json_is_number(dur)) {
        long sec = (long)json_number_value(dur);
        console_buf_printf(&b, ", the incident lasted %ldh%02ldm%02lds", sec / 3600, sec / 60 % 60, sec % 60);
    } else if (inc) {
        console_buf_puts(&b, ", the incident did not recover");
    }
    console_buf_printf(&b, " --%s\n", console_col(c, C_OFF));
    if (report) console_buf_printf(&b, "report: %s\n", report);
    console_emit_buf(c, &b);
    c->quit_pending = true;
}

void console_print_help(Console *c)
{
    Buf b = {0};
    size_t w = 4;
    size_t i;
    json_t *v;
    json_array_foreach(c->verbs, i, v) {
        const char *u = console_jstr(v, "usage");
        if (!u) u = console_jstr(v, "verb");
        if (u && strlen(u) > w) w = strlen(u);
    }
    if (w > 40) w = 40;
    console_buf_puts(&b, "commands:\n");
    json_array_foreach(c->verbs, i, v) {
        const char *u = console_jstr(v, "usage"), *h = console_jstr(v, "help");
        if (!u) u = console_jstr(v, "verb");
        if (!u) continue;
        console_buf_printf(&b, "  %-*s  %s\n", (int)w, u, h ? h : "");
    }
    if (c->facilitator) {
        console_buf_puts(&b, "facilitator:\n");
        console_buf_printf(&b, "  %-*s  %s\n", (int)w, "pause | resume", "stop or restart the clock");
        console_buf_printf(&b, "  %-*s  %s\n", (int)w, "speed X", "X simulated seconds per second");
        console_buf_printf(&b, "  %-*s  %s\n", (int)w, "skip", "jump to the next event");
        console_buf_printf(&b, "  %-*s  %s\n", (int)w, "inject NAME", "fire an inject");
        console_buf_printf(&b, "  %-*s  %s\n", (int)w, "hint N | hint TEXT", "give the players a hint");
        console_buf_printf(&b, "  %-*s  %s\n", (int)w, "end", "end the run now");
    }
    console_buf_printf(&b, "  %-*s  %s\n", (int)w, "help", "this list");
    console_buf_printf(&b, "  %-*s  %s\n", (int)w, "quit", "leave the console (Ctrl-D too)");
    console_emit_buf(c, &b);
}

void console_handle_message(Console *c, const char *s, size_t len)
{
    json_error_t e;
    json_t *m = json_loadb(s, len, 0, &e);
    if (!json_is_object(m)) {
        json_decref(m);
        return;
    }
    const char *t = console_jstr(m, "t");
    if (!t) {
    } else if (strcmp(t, "welcome") == 0) {
        console_welcome(c, m);
    } else if (strcmp(t, "alert") == 0) {
        console_print_alert(c, m);
    } else if (strcmp(t, "page") == 0) {
        console_print_page(c, m);
    } else if (strcmp(t, "timeline") == 0) {
        print_timeline(c, m);
    } else if (strcmp(t, "status") == 0) {
        print_status(c, m);
    } else if (strcmp(t, "reply") == 0) {
        print_reply(c, m);
    } else if (strcmp(t, "tick") == 0) {
        print_tick(c, m);
    } else if (strcmp(t, "player") == 0) {
        print_player(c, m);
    } else if (strcmp(t, "end") == 0) {
        print_end(c, m);
    }
    /* metrics: too noisy; completions: completion is local */
    json_decref(m);
}
