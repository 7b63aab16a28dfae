/*
 * limits.c: what a command does about time and signals.
 *
 * A scenario is untrusted input, so `run` and `check` have a wall-clock
 * limit, like a batch worker's --timeout. It works in two steps, both from
 * a SIGALRM handler:
 *
 *   1. when the limit is reached, the handler only sets a flag
 *      (scenario_set_time_up). The Lua hook sees it at the next thousand
 *      instructions and stops the script with a located error; the run
 *      loop sees it between slices of simulated time. Either way the run
 *      ends the ordinary way: diagnostics printed, exit 2, no output
 *      written, temporaries removed.
 *   2. a single C call the hook cannot interrupt (a pattern match that
 *      backtracks for hours) would never get there, so GRACE_S seconds
 *      later the handler writes where the script was (scenario_where),
 *      removes the temporaries and ends the process with exit 2.
 *
 * SIGINT and SIGTERM remove the temporaries of the atomic outputs, then
 * the process dies of the signal as it would have (the shell sees 130/143).
 * Everything called from the handlers is async-signal-safe: write(),
 * unlink() (afile_remove_temporaries), setitimer(), raise(), _exit().
 */
#include "cli/cli.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "base/atomic_file.h"
#include "script/scenario.h"

#define GRACE_S 3

static volatile sig_atomic_t alarms;
static const char *limit_cmd = "run";
static char limit_text[32];

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void arm(double seconds)
{
    struct itimerval it = { { 0, 0 }, { (time_t)seconds,
                                        (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6) } };
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0) it.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &it, NULL);
}

static void on_alarm(int sig)
{
    (void)sig;
    if (alarms++ == 0) {
        scenario_set_time_up(1);
        arm(GRACE_S);
        return;
    }
    const char *where = scenario_where();
    if (*where) {
        put(where);
    } else {
        put("firedrill ");
        put(limit_cmd);
        put(": error: scenario stopped");
    }
    put(": its wall-clock time limit of ");
    put(limit_text);
    put(" ran out\n");
    afile_remove_temporaries();
    _exit(FD_EXIT_USAGE);
}

static void on_terminate(int sig)
{
    afile_remove_temporaries();
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_signals_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_terminate;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

bool cli_parse_time_limit(const char *s, double *out)
{
    if (!s || !*s) return false;
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v >= 0) || v > 1e7) return false;
    *out = v;
    return true;
}

void cli_time_limit_start(const char *cmd, double seconds)
{
    alarms = 0;
    scenario_set_time_up(0);
    if (seconds <= 0) return;
    limit_cmd = cmd;
    /* "%gs" by hand, for the handler: whole seconds are what people give. */
    char digits[24];
    int n = 0;
    unsigned long v = (unsigned long)(seconds + 0.5);
    do digits[n++] = (char)('0' + v % 10); while ((v /= 10) && n < 20);
    int k = 0;
    while (n > 0) limit_text[k++] = digits[--n];
    limit_text[k++] = 's';
    limit_text[k] = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    arm(seconds);
}

void cli_time_limit_stop(void)
{
    struct itimerval off;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_DFL);
}

bool cli_time_up(void)
{
    return alarms > 0;
}
