---@meta _
-- lua/meta/firedrill.lua: LuaCATS stubs of the scenario API, for
-- lua-language-server (completion, hover, signature help, type checks) and
-- for reading. The real functions are C (engine/script/api_*.c) and
-- the Lua library (lua/firedrill/); docs/api.md is the reference and
-- docs/scenarios.md the guide.
--
-- This file is never meant to run. cmake embeds every lua/**/*.lua in the
-- binary as a module (this one as "meta.firedrill"); embedding only
-- compiles it, and nothing requires it. Should anything ever require it,
-- the error() below stops it before a single stub could overwrite a real
-- global. (The layout is Neovim's and luv's for their meta files: an
-- error() call at the top level is not a block that returns, so LuaLS does
-- not grey out the rest as unreachable, as it would after `do return end`.)
-- `---@meta _` tells LuaLS the file is definitions only, and the `_` that it
-- is not a module anyone may require.
--
-- Keep it in step with api_register() in script_api.c, lua/firedrill/ and
-- the `api` list in .luacheckrc: tests/cli/luacheck.sh fails when a global
-- of the binary has no stub here, or a stub has no global.
error("lua/meta/firedrill.lua holds editor stubs of the scenario API and must not be required")

-------------------------------------------------------------------------------
-- Value types
-------------------------------------------------------------------------------

---A duration: a string with units, or a number of seconds.
---Units: `ns`, `us`, `ms`, `s`, `m` (or `min`), `h`, `d`; parts add up
---(`"1h30m"`). A bare string number needs a unit (except `"0"`); a Lua
---number is seconds. At most a year.
---@alias fd.Duration
---| string # "250ms", "90s", "5m", "1h30m"
---| number # seconds

---A distribution of a duration, in the topology's syntax: `dist` may be left
---out when the keys say which (`value`: constant; `mean`: exponential;
---`median` and `p99`: lognormal; `min` and `max`: uniform; `table`:
---empirical, a list of `{ duration, cumulative fraction }` pairs).
---@class (exact) fd.Distribution
---@field dist? "constant"|"uniform"|"exp"|"exponential"|"lognormal"|"empirical"
---@field value? fd.Duration
---@field mean? fd.Duration
---@field median? fd.Duration
---@field p99? fd.Duration
---@field min? fd.Duration
---@field max? fd.Duration
---@field table? table[]

---A human time: a plain duration (always that long) or a distribution that
---each occasion draws from, like `{ median = "10m", p99 = "1h" }`.
---@alias fd.HumanTime fd.Duration|fd.Distribution

---A fraction from 0 to 1: a number (`0.05`) or a percentage string (`"5%"`).
---`5` and `"5"` are errors.
---@alias fd.Fraction
---| number # 0.05
---| string # "5%"

---When a timer fires: a local wall-clock time in the scenario's time zone
---(`"15:20"`, `"15:20:30"`; the first such moment at or after the start,
---and never later than 24 hours after it), or a duration counted from the
---START of the run, not from now (`"+10m"`, `"10m"`, or a number of seconds).
---A moment already past fires at once.
---@alias fd.When string|number

---A service name from the topology (`services:`).
---@alias fd.Service string
---A region name from the topology (`regions:`).
---@alias fd.Region string
---A configuration item from the topology (`configs:`).
---@alias fd.ConfigItem string
---A traffic source (an entry point) from the topology (`sources:`).
---@alias fd.Source string
---A team declared with `team{}`.
---@alias fd.Team string
---An alert declared with `alert{}`.
---@alias fd.AlertName string

---A metric of a service over the last metrics interval (`settings.interval`,
---10s unless the topology says otherwise).
---@alias fd.Metric
---| "error_rate"    # failed / answered, 0..1
---| "availability"  # (ok + degraded) / answered, 0..1 (1 when nothing was answered)
---| "p50"           # latency of answered requests, seconds
---| "p90"           # seconds
---| "p99"           # seconds
---| "utilisation"   # busy workers / workers of serving instances, 0..1 (mean over regions)
---| "queue"         # mean queued requests (summed over regions)
---| "offered"       # requests arriving, per second (real traffic, sampling undone)
---| "ok_rate"       # requests answered ok, per second
---| "degraded_rate" # requests answered with a fallback, per second
---| "instances_up"  # instances serving at the end of the interval

---An alert condition: `"<metric> <op> <value>"`, op one of `>`, `<`, `>=`,
---`<=`. The value is a fraction (`"5%"`), a duration for p50/p90/p99
---(`"2s"`), a rate (`"100/s"`) or a plain number. Examples:
---`"error_rate > 5%"`, `"p99 > 2s"`, `"availability < 99%"`,
---`"instances_up < 2"`. An alert on an entry point (`entry = ...`) can only
---watch `availability`.
---@alias fd.Condition string

---@alias fd.InstanceState
---| "up"       # serving
---| "starting" # scheduled, not serving yet (restart_time)
---| "waiting"  # down, waiting for its platform to schedule it
---| "stopped"  # scaled in or never started

---@alias fd.ConfigData
---| "good"
---| "bad"
---| "corrupt" # the same as "bad"

---@alias fd.NameKind
---| "services"
---| "regions"
---| "configs"
---| "sources"

-------------------------------------------------------------------------------
-- The scenario
-------------------------------------------------------------------------------

---@class (exact) fd.ScenarioOptions
---@field name string Shown in the timeline, the summary and reports. Required.
---@field topology string The topology YAML, relative to the scenario's folder (no `/` at the start, no `..`). Required.
---@field start? string The wall-clock start, `"2024-04-08 15:00 +08:00"` (seconds optional; offset `+HH:MM`, `-HH:MM`, `Z` or `UTC`; none is UTC). Default: 1970-01-01 00:00 UTC.
---@field duration? fd.Duration How long the run is. Default `"1h"`.
---@field slo? fd.Fraction Availability objective of every entry point's intents, unless the topology gives a source its own `slo`. Default `"99%"`.
---@field settle? fd.Duration How long every entry point must stay above its objective, with traffic in its normal band, to count as recovered. Default `"5m"`.
---@field report_rate? fd.Fraction Share of affected customers who report the problem (the summary's "reported"). Default `0`.
---@field sampling? number One simulated request stands for this many real ones, overriding the topology's sampling (>= 1).
---@field description? string Accepted and ignored (for the reader).

---Declares the scenario and loads its topology. Must come first: every
---other call that names a service, region, item, source or team needs the
---topology. May be called once.
---@param o fd.ScenarioOptions
function scenario(o) end

---A knob that `firedrill run --param NAME=VALUE` can override. Returns the
---override, converted to the default's type (a number, `true`/`false`, or
---else the text), or the default. The values used are recorded in the
---summary. Each name may be declared once. May be called before `scenario{}`.
---@generic T
---@param name string
---@param default T
---@return T
function param(name, default) end

-------------------------------------------------------------------------------
-- Simulated time
-------------------------------------------------------------------------------

---A scheduled callback, returned by `at`, `after` and `every`.
---@class fd.Timer
local Timer = {}

---Stops the timer: a pending callback never runs, a periodic one stops.
---A callback already running goes on.
function Timer:cancel() end

---Runs `fn` once at `when`, in a coroutine of its own (it may `wait`).
---@param when fd.When
---@param fn async fun()
---@return fd.Timer
function at(when, fn) end

---Runs `fn` once, `delay` from now, in a coroutine of its own.
---@param delay fd.Duration
---@param fn async fun()
---@return fd.Timer
function after(delay, fn) end

---Runs `fn` every `period` (at least 1s), first one period from now; each
---call in a coroutine of its own, even if the previous one still waits.
---@param period fd.Duration
---@param fn async fun()
---@return fd.Timer
function every(period, fn) end

---Pauses the calling timer, alert handler or playbook for `d` of simulated
---time. Only inside those (not at the top level of the scenario).
---@async
---@param d fd.Duration
function wait(d) end

---Waits until `cond()` returns true, checking it now and then every `poll`.
---Returns true when it did, false when `limit` passed first (no limit:
---waits for ever). Pass a function, not a value:
---`wait_until(function() return healthy("api") end, "20m")`.
---@async
---@param cond fun(): boolean?
---@param limit? fd.Duration
---@param poll? fd.Duration Default `"10s"`.
---@return boolean
function wait_until(cond, limit, poll) end

---Simulated seconds since the start of the run.
---@return number
function now() end

---The scenario's local wall-clock time now, `"HH:MM:SS"`.
---@return string
function clock() end

---A duration in seconds: `seconds("5m")` is 300.
---@param d fd.Duration
---@return number
function seconds(d) end

-------------------------------------------------------------------------------
-- Faults
-------------------------------------------------------------------------------

---@class (exact) fd.CrashOptions
---@field service fd.Service
---@field region? fd.Region Default: every region the service is deployed in.
---@field count? integer Instances to crash in each region; default (or -1) every one.

---Crashes serving (or starting) instances. They come back through the
---platform they `runs_on` (after its `restart_time`), and only while that
---platform works; without `runs_on` they restart by themselves.
---Timeline (fault): "every S instance crashes in R" / "N S instance(s) crash in R".
---@param o fd.CrashOptions
function crash(o) end

---@class (exact) fd.HangOptions
---@field service fd.Service
---@field region? fd.Region Default: every region.

---Makes a service hang: requests are accepted and never answered, so
---callers wait for their timeouts. Timeline (fault): "S hangs in R: ...".
---@param o fd.HangOptions
function hang(o) end

---Ends a hang; held requests are released. Timeline (action): "S stops hanging in R".
---@param o fd.HangOptions
function unhang(o) end

---@class (exact) fd.LatencyOptions
---@field service fd.Service
---@field region? fd.Region Default: every region.
---@field add? fd.Duration Extra time per request. It replaces any earlier value (it does not add up); `0` removes it. Default `0`.

---Adds latency to every request of a service.
---Timeline (fault): "S gets Nms of extra latency in R".
---@param o fd.LatencyOptions
function latency(o) end

---@class (exact) fd.ErrorsOptions
---@field service fd.Service
---@field region? fd.Region Default: every region.
---@field rate? fd.Fraction Share of requests that fail. Replaces any earlier value; `0` removes it. Default `1` (every request).

---Makes a service fail requests on its own (on top of its code's error rate).
---Timeline (fault): "S fails N% of requests in R".
---@param o fd.ErrorsOptions
function errors(o) end

---@class (exact) fd.PartitionOptions
---@field from fd.Service The caller; it must call `to` in the topology.
---@field to fd.Service The callee.
---@field regions? fd.Region|fd.Region[] The caller's regions whose calls are cut. Default: every region.

---Drops the calls `from` makes to `to` (in `regions`, default every
---region): the caller waits for its timeout. An error when `from` does not
---call `to`. Timeline (fault): "calls from A to B are dropped".
---@param o fd.PartitionOptions
function partition(o) end

---Ends a partition (in `regions`, default every region). Timeline
---(action): "calls from A to B flow again".
---@param o fd.PartitionOptions
function heal(o) end

---@class (exact) fd.Cost
---@field cpu? fd.Duration Extra CPU time per request: the request holds its worker for it (utilisation and the CPU autoscaling signal rise, queues build). Default `0`.
---@field latency? fd.Duration Extra delay per request on its way into the instance, before admission, holding no worker. Default `0`.

---@class (exact) fd.SetVersionOptions
---@field service fd.Service
---@field region? fd.Region Default: every region.
---@field version? integer A version number (a label). Default `0`.
---@field error_rate? fd.Fraction The share of requests this version's code fails. Default: the service's `error_rate` from the topology.
---@field share? fd.Fraction Move instances until this share of each region's live instances (rounded up) runs the version. Default: all (the region is then deployed to it: new instances start on it).
---@field instances? integer The same as a count per region.
---@field from? integer Move only instances that run this version.
---@field cost? fd.Cost What each request served by this code costs.

---Low level: puts a version of the code in place at once, on every
---instance or on a share of them (versions belong to instances). Writes
---nothing to the timeline. Most scenarios use `deploy{}` and `rollback()`.
---@param o fd.SetVersionOptions
function set_version(o) end

---@class (exact) fd.WriteConfigOptions
---@field item fd.ConfigItem
---@field region? fd.Region Default: every region.
---@field data? fd.ConfigData Default `"good"`.
---@field error_rate? fd.Fraction With bad data: the share of reading requests that fail. Default `1`.
---@field cost? fd.Cost With bad data: what each reading request costs.

---Low level: writes a configuration item's data at once. Every service that
---`reads` a bad item fails its requests (cause `bad_config`) in that region,
---whatever version of code it runs. Writes nothing to the timeline. Most
---scenarios use `deploy{ config = ... }` and `repair_config()`.
---@param o fd.WriteConfigOptions
function write_config(o) end

---@class (exact) fd.SurgeOptions
---@field source fd.Source
---@field factor? number Multiplies the source's normal rate (its `rate` and `shape`); it replaces an earlier factor. 0 to 1000; default `1` (back to normal).

---Changes a traffic source's rate. Timeline (change): "X traffic set to Fx its normal rate".
---@param o fd.SurgeOptions
function surge(o) end

---@class (exact) fd.RemoveDependencyOptions
---@field from fd.Service The caller; it must have a call to `to` in the topology.
---@field to fd.Service
---@field restore? boolean `true` puts the calls back. Default `false`.

---A what-if: `from` stops making its calls to `to` (or makes them again).
---Timeline (change): "A no longer depends on B" / "A depends on B again".
---@param o fd.RemoveDependencyOptions
function remove_dependency(o) end

---@class (exact) fd.ClientOptions
---@field source fd.Source
---@field timeout? fd.Duration Per attempt; more than 0.
---@field retries? integer Automatic client retries per user attempt, 0 to 100.
---@field reattempt? fd.Fraction Probability that a user tries again after a failure.
---@field reattempt_after? fd.Duration Mean pause before the user tries again.
---@field max_reattempts? integer Most times a user tries again per intent, 0 to 10000.
---@field patience? fd.Duration The user gives up on an intent after this long; 0 never.
---@field offline? fd.Fraction Share of intents a local cache answers when the service fails.
---@field defer? fd.Fraction Share of users who, having given up, put the work aside and bring it back once the service answers (pent-up demand).
---@field recheck? fd.Duration Mean time between a waiting user's checks.
---@field catch_up? fd.Duration How long a returning user takes to bring the put-aside work back.
---@field backoff? fd.BackoffOptions The wait before each automatic retry; keys left out keep their value.

---Changes how a source's clients and users behave from now on (the
---topology's `client:` block); keys left out keep their value. Writes
---nothing to the timeline, but for a new backoff (change): "S clients now back off ...".
---@param o fd.ClientOptions
function client(o) end

---@class (exact) fd.BackoffOptions
---@field base? fd.Duration The first wait.
---@field max? fd.Duration The longest wait; not less than base.
---@field multiplier? number Growth per retry, 1 to 1000.
---@field jitter? fd.Fraction How much of each wait is randomised.

---@class (exact) fd.RetryBudgetOptions
---@field ratio? fd.Fraction Retries may add this share to the first attempts.
---@field burst? number The bucket's size, 1 or more.

---@class (exact) fd.SetCallOptions
---@field from fd.Service The caller; it must call `to` in the topology.
---@field to fd.Service
---@field region? fd.Region The caller's region. Default: every region.
---@field timeout? fd.Duration Per attempt; more than 0.
---@field retries? integer Extra attempts after the first, 0 to 100.
---@field backoff? fd.BackoffOptions The wait before each retry; keys left out keep their value.
---@field budget? fd.RetryBudgetOptions|false A retry budget, or `false` to remove it.

---Changes a call edge's policy from now on (the topology's `calls:` keys);
---keys left out keep their value.
---Timeline (change): "calls from A to B in R now: timeout ..., N retries, backoff ..., budget ...".
---@param o fd.SetCallOptions
function set_call(o) end

---@class (exact) fd.SetAutoscaleOptions
---@field service fd.Service It must have `autoscale` in the topology.
---@field region? fd.Region Default: every region.
---@field signal? "utilisation"|"concurrency"|"cpu" What the autoscaler watches.
---@field target? number|fd.Fraction The signal's target: a fraction in (0, 1], or requests per instance for concurrency.
---@field min? integer Fewest instances per region; not above max.
---@field max? integer Most instances per region.
---@field period? fd.Duration Time between decisions.
---@field step? integer Most instances added or removed per decision.

---Changes a service's autoscaler from now on; keys left out keep their value.
---Timeline (change): "S now autoscales on SIGNAL to TARGET, MIN to MAX instances in R".
---@param o fd.SetAutoscaleOptions
function set_autoscale(o) end

-------------------------------------------------------------------------------
-- Changes: deploys, rollbacks, configuration (lua/firedrill/deploy.lua)
-------------------------------------------------------------------------------

---@class fd.DeployConfig
---@field item fd.ConfigItem The configuration item the release writes.
---@field writes? fd.ConfigData What it writes. Default `"bad"`.
---@field stages? (number|string)[] The data's own stages (cumulative shares of the regions: data lives per region). Default: the code's `stages` by region, `{ 1.0 }` by instance.
---@field error_rate? fd.Fraction The share of reading requests the bad data fails. Default `1`.
---@field cost? fd.Cost What each reading request costs with the bad data.

---@class fd.DeployHalt
---@field error_rate? fd.Fraction Halt when the new version's error rate in a region is above this.
---@field p99? fd.Duration Halt when the new version's 99th percentile latency in a region is above this.
---@field availability? fd.Fraction Halt when the new version's availability in a region is below this.

---@class fd.DeployOptions
---@field service fd.Service
---@field version string A name for the new version, like `"v2"`.
---@field stages? (number|string)[] Cumulative shares (`0.25` or `"25%"`) of the service's regions (in the topology's `deploy` order) or instances that have the new version after each stage: `{ 0.25, 1.0 }`, `{ "1%", "10%", 1.0 }`. Default `{ 1.0 }` (everywhere at once).
---@field by? "regions"|"instances" What a stage is a share of. Default `"regions"`.
---@field regions? fd.Region[] Only these regions, in this order. Default: every region it is deployed in.
---@field every? fd.Duration The pause between stages. Default `"10m"`.
---@field error_rate? fd.Fraction The share of requests the new code fails. Default: the service's `error_rate` from the topology.
---@field cost? fd.Cost What each request the new code serves costs.
---@field config? fd.DeployConfig A configuration write that goes out with the release.
---@field halt_on? fd.DeployHalt Stop the rollout when the new version's instances look bad (checked every 10s during each pause). Default: never.

---A staged release of code (and optionally configuration data). Starts at
---once, in a coroutine of its own; returns at once.
---Timeline (change): "S v1 -> v2 rolled out to R, ...", "v2 writes bad data
---to ITEM in R, ...", "rollout of S v2 halted: ...".
---Unknown keys are NOT reported (this is Lua, not C): check spelling.
---@param o fd.DeployOptions
function deploy(o) end

---@class fd.RollbackOptions
---@field service fd.Service
---@field regions? fd.Region[] Where to roll back. Default: every region the service is deployed in.
---@field batch? integer Instances restarted at a time by the rolling redeploy. Default `2`.
---@field error_rate? fd.Fraction The old code's error rate. Default: as the old version had it.

---Puts the previous version back on the instances (of `regions`) that run
---the newest version among them, and redeploys those instances, `batch`
---at a time, through their platform; instances the release never reached
---are left alone. Configuration DATA is left as it is: rolling
---back code does not repair data.
---Timeline (action): "S redeployed in R, N instance(s) at a time, through
---its platform" per region, then "S rolled back to v1 in R1, R2".
---@param o fd.Service|fd.RollbackOptions
function rollback(o) end

---@class fd.RepairConfigOptions
---@field item fd.ConfigItem
---@field region? fd.Region Default: every region.

---Writes good data back into a configuration item.
---Timeline (action): "configuration data of ITEM repaired in every region" (or "in R").
---@param o fd.ConfigItem|fd.RepairConfigOptions
function repair_config(o) end

-------------------------------------------------------------------------------
-- Responses
-------------------------------------------------------------------------------

---@class (exact) fd.RestartOptions
---@field service fd.Service
---@field region? fd.Region Default: every region.
---@field count? integer Instances to restart in each region; default (or -1) every one.
---@field manual? boolean Restart by hand, bypassing the platform the service `runs_on` (break glass): works even when the platform is down. Needs `team`, and a task (handler, timer). Default `false`.
---@field takes? fd.HumanTime For a manual restart: how long until the instances serve, and how long the call (and one of `team`'s responders) is busy, drawn when the person starts. Default `"10m"`. Ignored otherwise (the topology's `restart_time` applies).
---@field team? fd.Team For a manual restart: the team whose responder does it (paged, someone on call).
---@field version? integer With `batch`: redeploy only the instances that run this version now.
---@field batch? integer A rolling redeploy through the platform, this many instances at a time (not with `manual`). Default `0` (all at once).

---Restarts instances: they go down now and come back through their
---platform, by hand (`manual`), or a few at a time (`batch`). A manual
---restart returns when it is done (`takes`), like `act`.
---Timeline (action): "every S restarted in R through its platform" / "... by
---hand, bypassing its platform" / "S redeployed in R, N instance(s) at a time, ...".
---@async
---@param o fd.RestartOptions
function restart(o) end

---@class (exact) fd.ScaleOptions
---@field service fd.Service
---@field region? fd.Region Default: every region.
---@field instances? integer The number of instances wanted in each region, now (new ones go through the platform). Raises the autoscaling max if it is lower.
---@field max? integer The autoscaling maximum in each region. An error for a service without `autoscale` in the topology.

---Scales a service by hand, or lets autoscaling go further. Give
---`instances`, `max` or both.
---Timeline (action): "S scaled to N instances in R", "S may now autoscale to N instances in R".
---@param o fd.ScaleOptions
function scale(o) end

---@class (exact) fd.ShiftTrafficOptions
---@field source? fd.Source Default: every source.
---@field from fd.Region The region whose share moves.
---@field to fd.Region[] Where it goes, in proportion to their current shares (equally when they have none).

---Redirects traffic between regions. Takes effect after the topology's
---`settings.propagation` (1m unless set).
---Timeline (action): "traffic redirected from R to A, B (takes effect in Ns)".
---@param o fd.ShiftTrafficOptions
function shift_traffic(o) end

---@class (exact) fd.BreakersOptions
---@field to fd.Service Every call to this service, from every caller.

---Forces the circuit breakers on calls to a service open: calls fail at
---once instead of waiting. Timeline (action): "breakers on calls to S forced open".
---@param o fd.BreakersOptions
function open_breakers(o) end

---Gives the breakers on calls to a service back to their automatic rule.
---Timeline (action): "breakers on calls to S back to automatic".
---@param o fd.BreakersOptions
function close_breakers(o) end

---@class (exact) fd.ShedOptions
---@field service fd.Service
---@field region? fd.Region Default: every region.
---@field fraction? fd.Fraction Share of new requests rejected at once. Replaces an earlier value; `0` stops shedding. Default `0`.

---Sheds load at a service. Timeline (action): "S sheds N% of new requests in R".
---@param o fd.ShedOptions
function shed(o) end

---@class (exact) fd.FallbackOptions
---@field from fd.Service The caller; it must have a call to `to` in the topology.
---@field to fd.Service
---@field off? boolean `true` stops using the fallback. Default `false`.

---Turns on (or off) the fallback of `from`'s calls to `to`, as if the
---topology said `fallback: true`: when those calls fail, `from` answers with
---a fallback, counted as degraded, not failed (the 163 portal switching to
---its mobile version). Timeline (action): "A answers with its fallback when
---B fails" / "A stops using its fallback for B".
---@param o fd.FallbackOptions
function fallback(o) end

-------------------------------------------------------------------------------
-- Observation (all of it as of the end of the last metrics interval)
-------------------------------------------------------------------------------

---Whether a service answered well over the last interval: availability of
---at least 99% and, where it has a pool, an instance serving. Without a
---region: in every region it is deployed in.
---@param service fd.Service
---@param region? fd.Region
---@return boolean
function healthy(service, region) end

---Whether a service has instances waiting for a platform that cannot
---schedule them (in the region, or in any region).
---@param service fd.Service
---@param region? fd.Region
---@return boolean
function stalled(service, region) end

---Whether a service is caught in a recovery deadlock: a cycle of platforms
---that each need the other to come back (in the region, or in any).
---@param service fd.Service
---@param region? fd.Region
---@return boolean
function deadlocked(service, region) end

---A metric of a service over the last interval, over one region or all
---of them (counts and rates summed, utilisation averaged). With
---`version`, only the requests answered by instances on that version
---(error_rate, availability, p50, p90, p99, offered, ok_rate,
---degraded_rate): what a canary analysis compares.
---@param service fd.Service
---@param name fd.Metric
---@param region? fd.Region
---@param version? integer
---@return number
function metric(service, name, region, version) end

---The availability of a traffic source's intents over the last interval:
---good / (good + failures users saw), 0..1; 1 when nothing happened.
---@param source fd.Source
---@return number
function availability(source) end

---Whether an alert is firing now.
---@param name fd.AlertName
---@return boolean
function alert_firing(name) end

---The newest (highest) version number any live instance of a service runs
---(in a region; default: its first region). 0 until something sets one.
---@param service fd.Service
---@param region? fd.Region
---@return integer
function version(service, region) end

---The share of a service's live instances (in a region, or in every
---region) that run a version, then their count and the live count.
---@param service fd.Service
---@param version integer
---@param region? fd.Region
---@return number share
---@return integer on
---@return integer live
function version_share(service, version, region) end

---Whether a configuration item holds bad data (in the region, or in any).
---@param item fd.ConfigItem
---@param region? fd.Region
---@return boolean
function config_bad(item, region) end

---The names of the topology's services, regions, configuration items or
---sources, in the topology's order.
---@param kind fd.NameKind
---@return string[]
function names(kind) end

---The regions a service is deployed in, in the topology's order.
---@param service fd.Service
---@return fd.Region[]
function deployed(service) end

---How many instances of a service are in a state in a region, now.
---@param service fd.Service
---@param region fd.Region Required.
---@param state? fd.InstanceState Default `"up"`.
---@return integer
function instances(service, region, state) end

---The services that read a configuration item.
---@param item fd.ConfigItem
---@return fd.Service[]
function readers(item) end

---What most of a service's busy workers are waiting on now: the service
---their calls went to, or nil when fewer than half wait on a call. What an
---engineer sees from a service's own threads (a database stalled on its disk).
---@param service fd.Service
---@param region? fd.Region Default: every region.
---@return fd.Service?
function waiting_on(service, region) end

-------------------------------------------------------------------------------
-- Alerts
-------------------------------------------------------------------------------

---@class (exact) fd.AlertOptions
---@field name string Unique.
---@field service? fd.Service Watch a service (one of `service` and `entry`).
---@field entry? fd.Source Watch an entry point's availability of intents.
---@field region? fd.Region With `service`: one region only. Default: all regions together.
---@field when fd.Condition Like `"error_rate > 5%"`.
---@field hold? fd.Duration How long the condition must hold before the alert fires. Default `0` (one interval).
---@field page? fd.Team|fd.Team[] Teams the alert pages when it fires.

---Declares an alert, evaluated at the end of every metrics interval on the
---telemetry the monitoring service received. Firing marks the incident
---detected (the first time), pages its teams and runs its `on_alert`
---handlers. With `when = "absent"` it is a dead-man alert: it fires when
---monitoring stops hearing from `service` (or, without one, from anything),
---and is evaluated outside monitoring, so a blind monitor is what it catches.
---Timeline (alert): "alert A fires: S error rate is 100.0%"; (resolved): "alert A resolves".
---@param o fd.AlertOptions
function alert(o) end

---What an alert handler receives.
---@class fd.FiredAlert
---@field name string The alert's name.
---@field fired_at number Simulated seconds since the start.

---Runs `fn` each time the alert starts firing, in a coroutine of its own.
---An alert may have several handlers; declare the alert first.
---@param name fd.AlertName
---@param fn async fun(alert: fd.FiredAlert)
function on_alert(name, fn) end

-------------------------------------------------------------------------------
-- Responders and the incident
-------------------------------------------------------------------------------

---@class (exact) fd.TeamOptions
---@field name string Unique.
---@field skills? string[] Components (services or configuration items) or team names whose services it knows.
---@field oncall? integer People on call, 0 to 1000: how many `act`, `diagnose` and manual restarts the team can run at once. 0: pages go unanswered and the team cannot act. Default `1`.
---@field ack? fd.HumanTime Time to acknowledge a page. Default `{ median = "3m", p99 = "20m" }`.
---@field diagnose? fd.HumanTime Time to diagnose a component someone on call owns. Default `{ median = "15m", p99 = "90m" }`.
---@field unowned? fd.HumanTime Time to diagnose a component nobody on call owns. Default: 4 times `diagnose` (median and p99), or `{ median = "60m", p99 = "6h" }`.
---@field handoff? fd.HumanTime The briefing a team needs when another team pages it, before it takes up any work. Default `{ median = "5m", p99 = "20m" }`.
---@field misdiagnose? number|string Chance (0..1 or "10%") that a diagnosis first follows a wrong lead, for a drawn diagnosis time. Default `0`.
---@field secondary? fd.Team Where a page goes when it is not acknowledged within `escalate` (or at once, after `escalate`, when nobody is on call).
---@field escalate? fd.Duration Escalation time; needs `secondary`. Default `"15m"` with a secondary.

---Declares a team of responders. A team works only once paged; its work
---waits in a first-come-first-served queue for a free person.
---@param o fd.TeamOptions
function team(o) end

---@class (exact) fd.DiagnoseOptions
---@field component fd.Service|fd.ConfigItem
---@field team fd.Team Who does the work (paged, someone on call).
---@field takes? fd.HumanTime Instead of the team's `diagnose`/`unowned` time.
---@field misdiagnose? number|string Instead of the team's `misdiagnose`.

---A responder works out what is wrong with a component; returns when done.
---Takes the team's `diagnose` time when some team with someone on call
---owns the component (its skills name it or its owner, or for an item a
---service that reads it), the team's `unowned` time otherwise. Like `act`,
---it waits for a free responder first; the team needs someone on call.
---Timeline (incident): "T starts diagnosing C" (+ " (no one on call owns it)"), or
---"T starts diagnosing and follows a wrong lead first: W", then "T rules out W after N min ...".
---@async
---@param o fd.DiagnoseOptions
function diagnose(o) end

---@class (exact) fd.ActOptions
---@field team fd.Team
---@field takes? fd.HumanTime Default `"1m"`.
---@field what? string What the person does, for the timeline.

---A responder is busy for `takes` (preparing a fix, say); returns when done.
---When every person of the team on call is busy, it waits its turn (first
---come, first served). The team must have been paged; nobody on call is an
---error. Timeline (action), with `what`: "T: WHAT (N min)".
---@async
---@param o fd.ActOptions
function act(o) end

---@class (exact) fd.InspectOptions
---@field service fd.Service
---@field region? fd.Region Default every region it is deployed in.
---@field team fd.Team Whose responder looks.
---@field takes? fd.HumanTime Default median 2 min, p99 8 min.

---A person of the team looks at the service's instances, queues and recent
---errors by cause, then returns what they saw as a table (text).
---@async
---@param o fd.InspectOptions
---@return string
function inspect(o) end

---Someone of the team acknowledges its open page now (true), or joins the
---incident of their own accord (false).
---@param team fd.Team
---@return boolean
function ack(team) end

---@class (exact) fd.InjectOptions
---@field name string Unique; what the facilitator fires.
---@field what? string One line for the facilitator.
---@field run fun() What happens when it is fired.

---Declares a surprise a game day's facilitator may fire (a table), or fires
---one (its name).
---@overload fun(name: string)
---@param o fd.InjectOptions
function inject(o) end

---A hint a game day's facilitator may give the players.
---@param text string
function hint(text) end

---@class (exact) fd.ResponseForOptions
---@field scenario string The scenario file (.lua) whose incident this responds to.
---@field teams string[] The teams whose response this file replaces.
---@field params? table<string, any> Its params, as name = value, unless --param says otherwise.

---Makes this file a response to another scenario's incident: that scenario
---runs, the named teams' reference response does not, and what follows is
---their response instead. Call it first.
---@param o fd.ResponseForOptions
function response_for(o) end

---@class (exact) fd.PageOptions
---@field from? fd.Team The team handing off: the paged team is briefed (`handoff`) before it works.
---@field why? string For the timeline.

---Pages a team and waits for an acknowledgement (the team's drawn `ack`
---time; at once when it is already on the incident). Returns true and the
---team that answered (the secondary, after an escalation), or false when
---nobody can. Timeline (incident): "T paged[ by F][: why]", then "T
---acknowledges the page (after N min)" or "page to T goes unanswered: nobody on call".
---@async
---@param team fd.Team
---@param o? fd.PageOptions
---@return boolean acknowledged
---@return string? who
function page(team, o) end

---Runs `fn` each time the team acknowledges a page, in a coroutine of its
---own: the team's part of the response.
---@param team fd.Team
---@param fn async fun(page: { team: string })
function on_page(team, fn) end

---@class (exact) fd.DeclareOptions
---@field page? fd.Team|fd.Team[] Teams the declaration pages.

---Declares an incident (marks it detected, the first time).
---Timeline (incident): "P0 declared: why".
---@param severity? string Default `"incident"`.
---@param why? string
---@param o? fd.DeclareOptions
function declare(severity, why, o) end

---@class (exact) fd.SupportOptions
---@field pages? fd.Team The team the channel pages past the threshold.
---@field threshold? number Reports within `within` that page. Default `20`.
---@field within? fd.Duration Default `"15m"`.
---@field rate? number|string Share of affected customers who report. Default: the scenario's `report_rate`.
---@field delay? fd.HumanTime From being affected to reporting. Default `{ median = "10m", p99 = "2h" }`.

---The support channel: affected customers report; past the threshold it
---pages a team, and detects the incident if nothing else has.
---Timeline (incident): "support: N customer reports in the last M min; support pages T".
---@param o fd.SupportOptions
function support(o) end

---A line in the timeline (note).
---@param text string
function note(text) end

---@class (exact) fd.StatusPageOptions
---@field text string
---@field state? "investigating"|"identified"|"monitoring"|"resolved"|"operational" The first three make an incident notice, the last two an all-clear. Default "investigating".
---@field host? fd.Service The service the page runs on (default: the topology's settings.status_page; none: hosted apart, always up). The page stays there.

---Posts a notice to the status page. It goes out only while the page's
---service, and every service it calls critically, serves well. Customers
---read it: an up-to-date incident notice lowers their reports and
---re-attempts, an all-clear during an outage raises reports (status_effects).
---Timeline (status): "status page: TEXT", or "status page post fails: the page is hosted on S, which is down (...)".
---@param o fd.StatusPageOptions
---@return boolean went_out
function status_page(o) end

---@class (exact) fd.StatusEffectsOptions
---@field accurate_reports? number Report rate x this while an accurate notice is read (0..1, default 0.6).
---@field accurate_reattempt? number Users' re-attempt probability x this, likewise (0..1, default 0.5).
---@field wrong_reports? number Report rate x this while the page says all is well during an outage (>= 1, default 1.5).
---@field stale_after? fd.Duration An incident notice older than this has no effect (default "1h").

---What reading the status page does to customers.
---@param o fd.StatusEffectsOptions
function status_effects(o) end

-------------------------------------------------------------------------------
-- The sandbox's additions to Lua
-------------------------------------------------------------------------------

---The text of a file inside the scenario's folder (no absolute path, no `..`).
---@param name string
---@return string
function read_file(name) end

-------------------------------------------------------------------------------
-- Expectations (lua/firedrill/expect.lua), checked when the run ends
-------------------------------------------------------------------------------

---@class fd.IncidentClock
---@field start? number Seconds since the run's start; nil when no incident started.
---@field detected? number
---@field detected_by? string What detected it: "alert NAME", "P0 declared", "customer reports".
---@field mitigated? number
---@field recovered? number
---@field duration? number recovered - start, seconds.

---@class fd.EntrySummary
---@field availability number Of intents, over the whole run, 0..1.
---@field attempt_availability number Of attempts (requests) answered by the end, 0..1; those still in flight are not counted.
---@field incident_availability? number Of intents from the incident's start to its recovery (or the end), 0..1; nil when no incident started.
---@field degraded number Share of resolved intents answered degraded.
---@field baseline_rate number Attempts/s before the incident.
---@field peak_rate number Highest attempts/s in an interval.
---@field peak_to_baseline number
---@field customers_affected number
---@field customers_reported number customers_affected x report_rate.
---@field slo number

---@class fd.DeadlockSummary
---@field t number Seconds since the start.
---@field region string
---@field cycle string Like "cloud-api -> tke -> cloud-api".

---What an `expect.that` check receives.
---@class fd.StatusSummary
---@field posts number[] Seconds since the start of each notice that went out.
---@field first_notice? number The first from the incident's start on.
---@field longest_gap? number Longest time without a notice while the incident lasted (seconds).
---@field failed integer Posts that could not go out.
---@field wrong_min number
---@field unreachable_min number
---@field accurate_min number

---@class fd.Summary
---@field incident fd.IncidentClock
---@field entries table<string, fd.EntrySummary> By source name.
---@field deadlocks fd.DeadlockSummary[]
---@field status fd.StatusSummary The status page.
---@field duration number The run's length, seconds.

---@class fd.ExpectOptions
---@field pass_rate? number Share of a batch's runs that must pass, (0, 1]. Default 1. Recorded in summary.json; a single run fails on any failed expectation.

---@class fd.ExpectAvailability: fd.ExpectOptions
---@field entry fd.Source
---@field min number 0..1, a number (not "50%").
---@field over? "run"|"incident" Over the whole run (the default) or from the incident's start to its recovery (or the end); with "incident" it passes when no incident started.

---@class fd.ExpectErrorBudget: fd.ExpectOptions
---@field entry fd.Source
---@field slo number Like 0.999.
---@field window? fd.Duration Default `"30d"`.

---@class fd.ExpectPeak: fd.ExpectOptions
---@field entry fd.Source
---@field max? number
---@field min? number
---@field with_retries? boolean Count every attempt, automatic client retries included; default: users' attempts only.

---@class fd.ExpectStatusUpdates: fd.ExpectOptions
---@field every fd.Duration

---@class fd.ExpectFirstNotice: fd.ExpectOptions
---@field within fd.Duration

---@class fd.ExpectDeadlock: fd.ExpectOptions
---@field region? fd.Region

---Expectations: checks that run when the run ends; the run exits 1 when
---one fails.
---@class fd.expect
expect = {}

---The entry point's availability of intents over the run is at least `min`.
---@param o fd.ExpectAvailability
function expect.availability(o) end

---The run's unavailability, (1 - availability) x duration, fits in the
---error budget of `slo` over `window`.
---@param o fd.ExpectErrorBudget
function expect.error_budget(o) end

---Recovered minus start is at most `limit`. Passes when no incident started.
---@param limit fd.Duration
---@param o? fd.ExpectOptions
function expect.recovered_within(limit, o) end

---Mitigated (every entry point back above its objective) minus start is at
---most `limit`. Passes when no incident started.
---@param limit fd.Duration
---@param o? fd.ExpectOptions
function expect.mitigated_within(limit, o) end

---Detected minus start is at most `limit`. Passes when no incident started.
---@param limit fd.Duration
---@param o? fd.ExpectOptions
function expect.detected_within(limit, o) end

---The highest attempt rate against the rate before the incident: at most
---`max` and/or at least `min`.
---@param o fd.ExpectPeak
function expect.peak_to_baseline(o) end

---No recovery deadlock happened.
---@param o? fd.ExpectOptions
function expect.no_deadlock(o) end

---A recovery deadlock happened (in `region`, if given).
---@param o? fd.ExpectDeadlock
function expect.deadlock(o) end

---While the incident lasts (detection to recovery), a status-page notice
---goes out at least every `every`. Passes when no incident started.
---@param o fd.ExpectStatusUpdates
function expect.status_updates(o) end

---The first notice goes out within `within` of detection. Passes when no
---incident started.
---@param o fd.ExpectFirstNotice
function expect.first_notice(o) end

---A check of your own: `fn(summary)` returns ok and a line of detail.
---@param name string
---@param fn fun(summary: fd.Summary): boolean, string?
---@param o? fd.ExpectOptions
function expect.that(name, fn, o) end
