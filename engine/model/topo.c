/*
 * topo.c: the topology's lifetime, look-ups and defaults (see topo.h).
 */
#include "model/topo.h"

#include <stdlib.h>
#include <string.h>

void topo_init(Topo *t)
{
    memset(t, 0, sizeof *t);
    t->sampling = 0;
    t->interval = 10 * FD_SEC;
    t->propagation = FD_MIN;
    t->monitoring = -1;
    t->status_page = -1;
    t->inputs = FD_DIGEST_INIT;
}

double topo_sampling(const Topo *t)
{
    if (t->sampling >= 1) return t->sampling;
    for (int i = 0; i < t->nservices; i++) {
        const TopoService *s = &t->services[i];
        if (s->kind == SVC_EXTERNAL) continue;
        for (int d = 0; d < s->ndeploy; d++)
            if (s->deploy[d].instances < FD_SAMPLING_DEFAULT) return 1;
    }
    return FD_SAMPLING_DEFAULT;
}

void topo_free(Topo *t)
{
    for (int i = 0; i < t->nregions; i++) free(t->regions[i].name);
    free(t->regions);
    for (int i = 0; i < t->nservices; i++) {
        TopoService *s = &t->services[i];
        free(s->name);
        free(s->deploy);
        dist_free(&s->service_time);
        free(s->calls);
        free(s->startup);
        free(s->configs);
        free(s->owner);
    }
    free(t->services);
    for (int i = 0; i < t->nconfigs; i++) free(t->configs[i].name);
    free(t->configs);
    for (int i = 0; i < t->nsources; i++) {
        TopoSource *s = &t->sources[i];
        free(s->name);
        free(s->shape.points);
        free(s->shape.csv_path);
        free(s->weights);
    }
    free(t->sources);
    free(t->file);
    topo_init(t);
}

#define FIND(arr, n)                                        \
    for (int i = 0; i < (n); i++)                           \
        if (strcmp((arr)[i].name, name) == 0) return i;     \
    return -1

int topo_find_service(const Topo *t, const char *name) { FIND(t->services, t->nservices); }
int topo_find_region(const Topo *t, const char *name) { FIND(t->regions, t->nregions); }
int topo_find_config(const Topo *t, const char *name) { FIND(t->configs, t->nconfigs); }
int topo_find_source(const Topo *t, const char *name) { FIND(t->sources, t->nsources); }

TopoBackoff topo_default_backoff(void)
{
    return (TopoBackoff){ 100 * FD_MS, 10 * FD_SEC, 2.0, 1.0 };
}

TopoCall topo_default_call(void)
{
    return (TopoCall){
        .target = -1,
        .region = -1,
        .timeout = FD_SEC,
        .backoff = topo_default_backoff(),
        .budget = { false, 0.1, 10 },
        .critical = true,
        .probability = 1.0,
        .breaker = { false, 0.5, 20, 10 * FD_SEC, 30 * FD_SEC, 5, { 0 } },
    };
}

TopoClient topo_default_client(void)
{
    return (TopoClient){
        .timeout = 10 * FD_SEC,
        .backoff = topo_default_backoff(),
        .reattempt_after = 30 * FD_SEC,
        .max_reattempts = 3,
        .recheck = 10 * FD_MIN,
        .catch_up = 5 * FD_MIN,
    };
}

TopoScheduler topo_default_scheduler(void)
{
    return (TopoScheduler){
        .timeout = 30 * FD_SEC,
        .retries = -1,
        .backoff = { 5 * FD_SEC, 60 * FD_SEC, 2.0, 0.5 },
    };
}

int topo_instances(const TopoService *s, int region)
{
    for (int i = 0; i < s->ndeploy; i++)
        if (s->deploy[i].region == region) return s->deploy[i].instances;
    return 0;
}
