scenario { name = "sandbox", topology = "topology.yaml", duration = "5m" }
local f = load("return 1 + 1", "chunk", "t", {})
local s = string.rep("ab", 10, ",")
local t = table.move({1, 2, 3}, 1, 3, 2, {})
local co = coroutine.wrap(function() coroutine.yield(1) end)
co()
print(read_file("helper.lua"), pcall(setmetatable, {}, {}), math.random(1, 6), utf8.char(72))
after("1m", function() surge { source = "users", factor = 3 } wait("30s") errors { service = "db", rate = "10%" } end)
