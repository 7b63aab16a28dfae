scenario { name = "fuzz", topology = "topology.yaml", start = "2024-01-01 10:00 +08:00", duration = "10m", slo = "99%" }
local n = param("n", 1)
local mode = param("mode", "slow")
local h = require("helper")
alert { name = "db-errors", service = "db", when = "error_rate > 5%", hold = "30s" }
alert { name = "web-slow", service = "web", region = "east", when = "p99 > 250ms" }
on_alert("db-errors", function()
  note("db is failing")
  wait("1m")
  restart { service = "db" }
end)
at("10:02", function() crash { service = "db", region = "east" } end)
after("3m", function() latency { service = "web", add = "100ms" } end)
local t = every("1m", function() note(string.format("tick %d", h.answer)) end)
after("8m", function() t:cancel() end)
expect.that("the site recovers", function() return true, "ok" end)
