/*
 * console_session.c: the console's side of the session (console.h).
 *
 * Joining: the welcome teaches the console the verbs and names and shows
 * the drill; then the name and team are settled (asked when needed) and
 * hello is sent. After that, what a typed line does: a local command
 * (help, quit), a facilitator's control, or a command sent to the hub.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live/console_internal.h"

/* ---- to the hub ---- */

static void send_json(Console *c, json_t *o)
{
    if (!o) return;
    if (c->client >= 0 && !c->stopped) {
        char *s = json_dumps(o, JSON_COMPACT);
        if (s) {
            c->h.message(c->h.ud, c->client, s, strlen(s));
            free(s);
        }
    }
    json_decref(o);
}

/* ---- facilitator controls ---- */

static const char *const control_ops[] = {"pause", "resume", "speed", "skip", "inject", "hint", "end"};
enum { NCONTROL = (int)(sizeof control_ops / sizeof control_ops[0]) };

static bool is_control(const char *w)
{
    for (int i = 0; i < NCONTROL; i++)
        if (strcmp(w, control_ops[i]) == 0) return true;
    return false;
}

/* ---- the session: welcome, hello ---- */

static void send_hello(Console *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "t", json_string("hello"));
    json_object_set_new(o, "name", json_string(c->name ? c->name : "player"));
    json_object_set_new(o, "team", c->team ? json_string(c->team) : json_null());
    send_json(c, o);
    c->helloed = true;
    c->ask = ASK_NONE;
    console_set_prompt(c);
    console_emit(c, "", 0);
}

/* After the name is settled: the team, then hello. */
static void settle_team(Console *c)
{
    if (!c->team && c->played.n == 1) c->team = console_strdup(c->played.v[0]);
    if (c->team || c->played.n == 0) {
        send_hello(c);
        return;
    }
    console_ask(c, ASK_TEAM);
}

static void settle_name(Console *c)
{
    if (!c->name && c->interactive) {
        console_ask(c, ASK_NAME);
        return;
    }
    if (!c->name) {
        const char *u = getenv("USER");
        c->name = console_strdup(u && *u ? u : "player");
    }
    settle_team(c);
}

void console_welcome(Console *c, json_t *m)
{
    if (c->welcomed) return;
    c->welcomed = true;
    json_t *verbs = json_object_get(m, "verbs");
    c->verbs = json_is_array(verbs) ? json_incref(verbs) : json_array();
    size_t i;
    json_t *v;
    json_array_foreach(c->verbs, i, v) console_strv_add(&c->vverbs, console_jstr(v, "verb"));
    console_strv_add(&c->vverbs, "help");
    console_strv_add(&c->vverbs, "quit");
    if (c->facilitator)
        for (int k = 0; k < NCONTROL; k++) console_strv_add(&c->vverbs, control_ops[k]);
    json_array_foreach(json_object_get(m, "services"), i, v) console_strv_add(&c->words, json_string_value(v));
    json_array_foreach(json_object_get(m, "regions"), i, v) console_strv_add(&c->words, json_string_value(v));
    json_array_foreach(json_object_get(m, "entries"), i, v) console_strv_add(&c->words, json_string_value(v));
    json_array_foreach(json_object_get(m, "injects"), i, v) console_strv_add(&c->injects, console_jstr(v, "name"));

    json_t *scen = json_object_get(m, "scenario");
    Buf b = {0};
    console_buf_printf(&b, "%sfiredrill game day: %s%s", console_col(c, C_BOLD),
               console_jstr(scen, "name") ? console_jstr(scen, "name") : "?", console_col(c, C_OFF));
    json_t *seed = json_object_get(scen, "seed");
    if (json_is_integer(seed)) console_buf_printf(&b, " (seed %lld", (long long)json_integer_value(seed));
    else console_buf_puts(&b, " (");
    const char *start = console_jstr(scen, "start");
    if (start) console_buf_printf(&b, "%sstarts %s", json_is_integer(seed) ? ", " : "", start);
    json_t *dur = json_object_get(scen, "duration");
    if (json_is_number(dur)) {
        long s = (long)json_number_value(dur);
        console_buf_printf(&b, "%s%ldh%02ldm", json_is_integer(seed) || start ? ", " : "", s / 3600, s / 60 % 60);
    }
    console_buf_puts(&b, ")\nteams:");
    json_array_foreach(json_object_get(m, "teams"), i, v) {
        const char *tn = console_jstr(v, "name");
        if (!tn) continue;
        console_strv_add(&c->words, tn);
        bool played = json_is_true(json_object_get(v, "played"));
        if (played) console_strv_add(&c->played, tn);
        console_buf_printf(&b, "%s %s%s", i ? "," : "", tn, played ? " (played)" : "");
    }
    console_buf_puts(&b, "\ntype help for the commands, quit to leave\n");
    console_emit_buf(c, &b);

    json_t *st = json_object_get(m, "state");
    if (json_is_true(json_object_get(st, "paused"))) {
        c->paused = true;
        console_say(c, "-- paused --");
    }
    json_array_foreach(json_object_get(m, "alerts"), i, v) console_print_alert(c, v);
    json_array_foreach(json_object_get(m, "pages"), i, v) {
        const char *s = console_jstr(v, "state");
        if (s && strcmp(s, "acked") == 0) {
            char ids[32];
            snprintf(ids, sizeof ids, "%lld", (long long)json_integer_value(json_object_get(v, "id")));
            console_strv_add(&c->words, ids);
        } else {
            console_print_page(c, v);
        }
    }
    if (c->client >= 0) settle_name(c);
}

/* ---- lines typed ---- */

void console_handle_line(Console *c, char *line)
{
    /* trim */
    size_t n = strlen(line);
    while (n > 0 && isspace((unsigned char)line[n - 1])) line[--n] = '\0';
    while (*line && isspace((unsigned char)*line)) line++;

    if (c->ask == ASK_NAME) {
        const char *u = getenv("USER");
        c->name = console_strdup(*line ? line : u && *u ? u : "player");
        c->ask = ASK_NONE;
        settle_team(c);
        return;
    }
    if (c->ask == ASK_TEAM) {
        if (!*line && c->facilitator) {
            send_hello(c);
            return;
        }
        for (int i = 0; i < c->played.n; i++)
            if (strcmp(line, c->played.v[i]) == 0) {
                c->team = console_strdup(line);
                send_hello(c);
                return;
            }
        console_say(c, "%s is not a played team", *line ? line : "(nothing)");
        console_ask(c, ASK_TEAM);
        return;
    }
    if (!*line) return;

    char verb[64];
    size_t vl = strcspn(line, " \t");
    const char *rest = line + vl;
    while (*rest == ' ' || *rest == '\t') rest++;
    snprintf(verb, sizeof verb, "%.*s", (int)(vl < sizeof verb ? vl : sizeof verb - 1), line);

    if (strcmp(verb, "quit") == 0 || strcmp(verb, "exit") == 0) {
        c->quit_pending = true;
        console_schedule(c);
        return;
    }
    if (strcmp(verb, "help") == 0) {
        console_print_help(c);
        return;
    }
    if (c->facilitator && is_control(verb)) {
        json_t *o = json_object();
        json_object_set_new(o, "t", json_string("control"));
        json_object_set_new(o, "op", json_string(verb));
        json_t *val = json_null();
        if (strcmp(verb, "speed") == 0) {
            char *end;
            double x = strtod(rest, &end);
            if (end == rest || *end || !(x > 0)) {
                json_decref(o);
                console_say(c, "error: speed wants a positive number: speed 30");
                return;
            }
            val = json_real(x);
        } else if (strcmp(verb, "inject") == 0 || strcmp(verb, "hint") == 0) {
            if (!*rest) {
                json_decref(o);
                console_say(c, "error: %s wants %s", verb, verb[0] == 'i' ? "an inject's name" : "a hint's number or text");
                return;
            }
            char *end;
            long long k = strtoll(rest, &end, 10);
            if (verb[0] == 'h' && !*end && isdigit((unsigned char)rest[0])) val = json_integer(k);
            else val = json_string(rest);
        }
        json_object_set_new(o, "value", val);
        send_json(c, o);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "t", json_string("cmd"));
    json_object_set_new(o, "line", json_string(line));
    send_json(c, o);
}
