-- .luacheckrc: luacheck settings for firedrill's Lua: the standard library
-- in lua/ and the scenarios in scenarios/ (and yours, wherever they live:
-- run `luacheck --config path/to/firedrill/.luacheckrc my-scenario/`).
--
-- A scenario runs in a sandbox (docs/scenarios.md, "The sandbox"): Lua 5.4's
-- base, string, table, math, utf8 and coroutine libraries, the functions
-- firedrill adds, and nothing else. This file tells luacheck the same, so
-- that a typo in a function name, a stray global or a call to os.time() is
-- caught by the linter instead of at the line the run reaches.
--
-- The list below is the scenario API, kept in step with lua/meta/firedrill.lua
-- (the LuaLS stubs) and docs/api.md. tests/cli/luacheck.sh runs luacheck
-- over lua/ and scenarios/ and fails on any warning.

-- What the sandbox takes out of Lua 5.4's standard library. (string.dump is
-- gone too; luacheck cannot be told about a single missing field.)
local sandbox_drops = { "os", "io", "debug", "package", "collectgarbage" }

local api = {
  -- The scenario and its parameters.
  "scenario", "param",
  -- Simulated time.
  "at", "after", "every", "wait", "wait_until", "now", "clock", "seconds",
  -- Faults.
  "crash", "hang", "unhang", "latency", "errors", "partition", "heal",
  "set_version", "write_config", "surge", "set_call", "set_autoscale",
  -- What-ifs: the system and its users, changed mid-run.
  "remove_dependency", "client",
  -- Changes and responses (library).
  "deploy", "rollback", "repair_config",
  -- Responses.
  "restart", "scale", "shift_traffic", "open_breakers", "close_breakers",
  "shed", "fallback",
  -- Observation.
  "healthy", "stalled", "deadlocked", "metric", "availability",
  "alert_firing", "version", "version_share", "config_bad", "names", "deployed", "instances",
  "readers", "waiting_on",
  -- Alerts.
  "alert", "on_alert",
  -- Responders and the incident.
  "team", "diagnose", "act", "page", "on_page", "declare", "note", "status_page", "status_effects", "support",
  -- Game days (docs/gameday.md).
  "ack", "inspect", "inject", "hint", "response_for",
  -- Expectations (a table of functions).
  "expect",
  -- The sandbox's own addition to the base library.
  "read_file",
}

stds.firedrill = { read_globals = api }

std = "lua54+firedrill"
not_globals = sandbox_drops

-- Scenarios may read the API and define nothing global: a helper belongs in
-- a `local function`, and a global set by mistake would leak into every
-- timer and handler of the run.
allow_defined = false
allow_defined_top = false

-- Callbacks receive arguments they often do not need (an alert handler's
-- `incident`, a check's `summary`): unused arguments are fine. Unused
-- locals, unused values and shadowing are still reported.
unused_args = false

-- Long literal descriptions and timelines read better on one line.
max_line_length = 120

-- The standard library itself: it uses the three internal hooks the engine
-- gives it (an expectation's registration, a timeline line and the check of
-- an options table against engine/script/api_schema.c), and the
-- prelude is where the library's globals are defined.
files["lua/firedrill"] = {
  read_globals = { "_expect", "_event", "_check_options" },
  unused_args = true,
}
files["lua/firedrill/init.lua"] = {
  globals = { "wait_until", "expect", "deploy", "rollback", "repair_config" },
}

-- The LuaLS stubs: definition files whose top-level functions ARE the
-- globals they document, with empty bodies. They may set exactly the API's
-- names (a stub for anything else is a warning). `globals`, not
-- allow_defined_top: globals a file defines that way count as defined in
-- every file luacheck checks in the same run, and would hide a name missing
-- from the list above when lua/ and scenarios/ are checked together.
files["lua/meta"] = {
  globals = api,
  -- Unused arguments (stubs have no bodies), globals no file here uses,
  -- the Timer "class" table, and long doc-comment lines.
  ignore = { "212", "131", "241", "631" },
}
