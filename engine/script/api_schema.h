/*
 * api_schema.h: the one description of every scenario API function's
 * arguments and options.
 *
 * A plain table: function name -> positional arguments and option keys,
 * each with a type and a one-line meaning. Everything that needs to know a
 * function's options follows it:
 *   - the engine's run-time key checks (script_api.c, api_check_options);
 *   - the library's (the lua/firedrill modules call _check_options, which is
 *     api_check_options seen from Lua);
 *   - the static pass of `firedrill check` (script_lint.c), which checks
 *     every call in a scenario file, callbacks included;
 *   - tests/test_api_schema.c, which holds docs/api.md and the editor
 *     stubs in lua/meta/ to it.
 *
 * Names: engine functions and the library's globals by their name
 * ("crash", "deploy"); module functions with their module ("expect.
 * availability", "patterns.retry_storm", "playbooks.redirect_region");
 * a nested options table as "function.key" ("deploy.config").
 */
#ifndef FD_API_SCHEMA_H
#define FD_API_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

typedef enum ApiType {
    AT_ANY,
    AT_STRING,
    AT_NUMBER,
    AT_INTEGER,
    AT_BOOLEAN,
    AT_DURATION,
    AT_FRACTION,
    AT_WHEN,        /* "15:20", "+10m" or a duration */
    AT_FUNCTION,
    AT_LIST,        /* a list of numbers */
    AT_TABLE,       /* a nested options table: see ApiKey.sub */
    /* names, checked against the topology or the scenario's declarations */
    AT_SERVICE,
    AT_REGION,
    AT_REGIONS,     /* a region or a list of regions */
    AT_CONFIG,
    AT_SOURCE,
    AT_TEAM,
    AT_ALERT,
    AT_COMPONENT,   /* a service or a configuration item */
    AT_SKILLS,      /* a list of services, configuration items or teams */
    AT_METRIC,
    AT_CONDITION,   /* "METRIC OP VALUE" */
    AT_HUMANTIME,   /* a duration or a distribution table: see ApiKey.sub */
    AT_NTYPES
} ApiType;

typedef struct ApiKey {
    const char *name;
    ApiType type;
    bool required;
    const char *doc;
    const char *sub;        /* AT_TABLE: the schema entry of the nested table */
} ApiKey;

#define API_MAX_ARGS 4

typedef struct ApiFn {
    const char *name;
    int opts_arg;           /* 1-based position of the options table; 0: none */
    int nargs;              /* positional arguments described in args */
    ApiType args[API_MAX_ARGS];
    const ApiKey *keys;     /* terminated by a NULL name; NULL without options */
    const char *declares;   /* "team" or "alert": its `name` key declares one */
} ApiFn;

/* The whole table, in a fixed order. */
const ApiFn *api_schema(size_t *n);

/* The entry named `name`, or NULL. */
const ApiFn *api_schema_find(const char *name);

/* The key of `fn` named `key`, or NULL. */
const ApiKey *api_schema_key(const ApiFn *fn, const char *key);

/* Up to `cap` of fn's key names into out (for did-you-mean); returns how many. */
size_t api_schema_key_names(const ApiFn *fn, const char **out, size_t cap);

/* A type's name as the docs write it ("service", "duration"). */
const char *api_type_name(ApiType t);

#endif
