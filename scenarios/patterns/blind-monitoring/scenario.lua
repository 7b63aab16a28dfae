-- Blind monitoring: the discovery service fails, taking the shop down and,
-- through the same dependency, the monitoring that would have said so. No
-- alert can fire; customers notice and write to support, and the support
-- channel pages the on-call. With a dead-man alert (--param deadman=true)
-- the silence itself pages them first.

scenario {
  name = "Blind monitoring: detected by customers",
  topology = "topology.yaml",
  start = "2024-03-01 10:00 +00:00",
  duration = "2h",
  report_rate = 0.02,   -- two in a hundred affected customers write in
}

local deadman = param("deadman", false)

team { name = "sre", skills = { "monitor", "discovery" }, oncall = 2,
       ack = { median = "4m", p99 = "15m" }, diagnose = { median = "15m", p99 = "45m" } }
team { name = "platform", skills = { "discovery" }, oncall = 1, ack = { median = "4m", p99 = "15m" } }

-- The alert the team relies on: it cannot fire while monitoring is blind.
alert { name = "web-5xx", service = "web", when = "error_rate > 5%", hold = "2m", page = "sre" }
if deadman then
  alert { name = "telemetry-silent", when = "absent", hold = "3m", page = "sre" }
end
support { pages = "sre", threshold = 30, within = "10m",
          delay = { median = "8m", p99 = "45m" } }

-- The incident: a bad release of the registry answers every lookup with an
-- error.
at("10:10", function() errors { service = "discovery", rate = 1 } end)

-- The reference response: whoever paged them, SRE find discovery down
-- (their dashboards are empty too) and bring it back with the platform team.
on_page("sre", function()
  declare("P1", "shop failing; dashboards empty")
  diagnose { component = "discovery", team = "sre" }
  note(("discovery is failing %.0f%% of lookups"):format(metric("discovery", "error_rate") * 100))
  page("platform", { from = "sre", why = "discovery fails every lookup" })
  act { team = "platform", takes = { median = "8m", p99 = "20m" }, what = "roll the registry back" }
  errors { service = "discovery", rate = 0 }
end)

expect.that(deadman and "detected by the dead-man alert" or "detected by customers, not by the alert",
            function(sum)
  local by = sum.incident.detected_by or "nothing"
  local want = deadman and "alert telemetry-silent" or "customer reports"
  return by == want, "detected by " .. by
end)
expect.recovered_within("90m")
