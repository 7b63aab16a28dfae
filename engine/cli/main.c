/*
 * main.c: the firedrill command line, in the manner of git: a command name,
 * then its arguments. `firedrill --help` lists the commands, `firedrill help
 * NAME` (or `firedrill NAME --help`) prints one command's page.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const CliCommand cli_help = {
    "help", "Show help for firedrill or one of its commands",
    "usage: firedrill help [COMMAND]\n"
    "\n"
    "Without COMMAND, lists the commands. With it, prints that command's page.\n",
    cmd_help,
};

static const CliCommand cli_version = {
    "version", "Print the version",
    "usage: firedrill version\n"
    "\n"
    "Prints firedrill's version. Same as `firedrill --version`.\n",
    cmd_version,
};

static const CliCommand *const commands[] = {
    &cli_batch,
    &cli_check,
    &cli_debrief,
    &cli_demo,
    &cli_gameday,
    &cli_graph,
    &cli_help,
    &cli_merge,
    &cli_new,
    &cli_replay,
    &cli_report,
    &cli_run,
    &cli_version,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const CliCommand *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0) return commands[i];
    return NULL;
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9') return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
}

void cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "firedrill %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'firedrill help %s'.\n", cmd);
    va_end(ap);
}

static void print_overview(FILE *out)
{
    fprintf(out,
        "usage: firedrill [--version] [--help] COMMAND [ARGS]\n"
        "\n"
        "firedrill replays outages as discrete-event simulations.\n"
        "\n"
        "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "   %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out,
        "\n"
        "'firedrill help COMMAND' prints the page of one command.\n"
        "Exit codes: 0 fine, 1 an expectation failed, 2 bad input or usage,\n"
        "3 a system error.\n");
}

int cli_print_help(const char *name)
{
    const CliCommand *c = find_command(name);
    if (!c) {
        fprintf(stderr, "firedrill help: no command '%s'. See 'firedrill --help'.\n", name);
        return FD_EXIT_USAGE;
    }
    fputs(c->help, stdout);
    return FD_EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
    if (argc == 0) {
        print_overview(stdout);
        return FD_EXIT_OK;
    }
    if (argc > 1) {
        cli_usage_error("help", "expected at most one command name");
        return FD_EXIT_USAGE;
    }
    return cli_print_help(argv[0]);
}

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc) {
        cli_usage_error("version", "takes no arguments");
        return FD_EXIT_USAGE;
    }
    printf("firedrill %s\n", FD_VERSION);
    return FD_EXIT_OK;
}

/*
 * A parent may start firedrill with stdin, stdout or stderr closed (a CI
 * runner with no standard input, a job scheduler, `cmd <&-`). The next file
 * opened would then take that number and be mistaken for it: libuv, for one,
 * asserts when asked to close a descriptor it takes for stdio. Each closed one
 * is opened on /dev/null before anything else runs; open() returns the lowest
 * free number, so the three fill in order.
 */
static void open_standard_fds(void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        int got = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);
        if (got != fd) _exit(FD_EXIT_SYSTEM);  /* nowhere to say why */
    }
}

int main(int argc, char **argv)
{
    open_standard_fds();
    cli_signals_init();
    if (argc < 2) {
        print_overview(stderr);
        return FD_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (cli_is_help(name)) return cmd_help(argc - 2, argv + 2);
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        return cmd_version(argc - 2, argv + 2);
    const CliCommand *c = find_command(name);
    if (!c) {
        fprintf(stderr, "firedrill: '%s' is not a firedrill command. See 'firedrill --help'.\n",
                name);
        return FD_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++)
        if (cli_is_help(argv[i])) return cli_print_help(name);
    int rc = c->run(argc - 2, argv + 2);
    if (fflush(stdout) != 0 && rc == FD_EXIT_OK) {
        fprintf(stderr, "firedrill: error writing output\n");
        rc = FD_EXIT_SYSTEM;
    }
    return rc;
}
