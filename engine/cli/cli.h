/*
 * cli.h: the command table shared by the command implementations.
 *
 * Each command is a function taking the arguments after its name and
 * returning the process exit code: 0 fine, 1 an expectation failed, 2 bad
 * input or usage, 3 a system error.
 */
#ifndef FD_CLI_H
#define FD_CLI_H

#include <stdbool.h>
#include <stdint.h>

enum { FD_EXIT_OK = 0, FD_EXIT_FAIL = 1, FD_EXIT_USAGE = 2, FD_EXIT_SYSTEM = 3 };

typedef struct CliCommand {
    const char *name;
    const char *summary;   /* one line, for `firedrill --help` */
    const char *help;      /* the full page, for `firedrill help NAME` */
    int (*run)(int argc, char **argv);
} CliCommand;

/* Prints "firedrill NAME: message" to stderr and a pointer to the help. */
void cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True when argv[i] is -h or --help. */
bool cli_is_help(const char *arg);

/* Parses an unsigned decimal integer; false on junk, sign or overflow. */
bool cli_parse_u64(const char *s, uint64_t *out);

/* A scenario argument: a folder stands for its scenario.lua. Returns a
 * malloc'd path, or NULL when memory runs out. */
char *cli_scenario_path(const char *arg);

/* limits.c: SIGINT and SIGTERM remove the temporaries of atomic outputs
 * before the process dies of them. */
void cli_signals_init(void);

/* The wall-clock limit of `run` and `check` (--time-limit SECONDS, 0 for
 * none). Start arms it for one run, stop disarms it; once it is reached the
 * scenario stops at its next Lua hook, cli_time_up() turns true, and a call
 * that cannot be interrupted ends the process (exit 2) a few seconds later. */
#define FD_DEFAULT_TIME_LIMIT 300.0
bool cli_parse_time_limit(const char *s, double *out);
void cli_time_limit_start(const char *cmd, double seconds);
void cli_time_limit_stop(void);
bool cli_time_up(void);

/* Prints the command's help page to stdout. */
int cli_print_help(const char *name);

int cmd_demo(int argc, char **argv);
int cmd_run(int argc, char **argv);

extern const CliCommand cli_demo;
extern const CliCommand cli_run;
extern const CliCommand cli_report, cli_batch, cli_merge;
extern const CliCommand cli_check, cli_graph, cli_new;
extern const CliCommand cli_gameday, cli_replay;
extern const CliCommand cli_debrief;

#endif
