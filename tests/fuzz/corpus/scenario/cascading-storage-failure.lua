-- Cascading storage failure: the storage tier hangs, and the failure climbs
-- the dependency graph to the edge and across to every product sharing it.
-- See README.md.
local patterns = require("firedrill.patterns")

scenario {
  name = "pattern: cascading storage failure",
  topology = "topology.yaml",
  start = "2024-08-18 10:00 +08:00",
  duration = "40m",
}

team { name = "web", skills = { "gateway", "portal" }, oncall = 1, ack = "3m", diagnose = "5m" }
team { name = "storage", skills = { "db" }, oncall = 1, ack = "2m", diagnose = "5m" }

alert { name = "edge-5xx", service = "gateway", when = "error_rate > 5%", hold = "1m" }

-- 10:10: the block storage under db stops answering, for 20 minutes.
patterns.cascading_storage_failure { storage = "db", at = "10:10", lasts = "20m" }

on_alert("edge-5xx", function()
  declare("P1", "portal answering 502s")
  page("web")
  diagnose { component = "portal", team = "web" }
  note("portal workers are all waiting on db: escalating to storage")
  page("storage")
  diagnose { component = "db", team = "storage" }
  note("db is hung, not failing: nothing upstream fails fast; storage works on the array")
end)

-- The hang reached the edge and the other product sharing db...
expect.that("the hang cascades to the edge", function(sum)
  local a = sum.entries.web.availability
  return a < 0.8, ("web availability %.1f%%"):format(a * 100)
end)
expect.that("news, sharing db, goes down too", function(sum)
  local a = sum.entries["news-app"].availability
  return a < 0.8, ("news-app availability %.1f%%"):format(a * 100)
end)
-- ...and everything came back once db answered again.
expect.recovered_within("25m")
expect.detected_within("3m")
