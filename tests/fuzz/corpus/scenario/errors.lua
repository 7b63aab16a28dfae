scenario { name = "e", topology = "topology.yaml", duration = "1m" }
after("10s", function() coroutine.yield() end)
after("20s", function() local x = nil; return x.y end)
crash { service = "dbb" }
