import Foundation

/// Several "hosts" on this machine: one network namespace each, joined by veth pairs to a bridge in
/// the test's own namespace, which also holds an address on it (so the test reaches every host). Made
/// by the test and removed by `remove()`; needs root and iproute2. Names carry a random tag so that
/// two runs never touch each other's.
public struct NetworkHosts: Sendable {
    public let tag: String
    public let subnet: String
    public let count: Int

    /// The address of host `index` (1-based) and of the bridge (the test's side).
    public func address(_ index: Int) -> String { "\(self.subnet).\(10 + index)" }
    public var bridgeAddress: String { "\(self.subnet).1" }
    public func namespace(_ index: Int) -> String { "isw\(self.tag)h\(index)" }
    var bridge: String { "isw\(self.tag)br" }
    func veth(_ index: Int) -> String { "isw\(self.tag)v\(index)" }

    public static func make(_ count: Int) async throws -> NetworkHosts {
        let tag = String(UUID().uuidString.prefix(4)).lowercased()
        let hosts = NetworkHosts(
            tag: tag, subnet: "10.\(200 + Int.random(in: 0..<50)).\(Int.random(in: 1..<250))", count: count)
        var script = [
            "ip link add \(hosts.bridge) type bridge", "ip addr add \(hosts.bridgeAddress)/24 dev \(hosts.bridge)",
            "ip link set \(hosts.bridge) up",
        ]
        for index in 1...count {
            let ns = hosts.namespace(index)
            script += [
                "ip netns add \(ns)", "ip link add \(hosts.veth(index)) type veth peer name eth0 netns \(ns)",
                "ip link set \(hosts.veth(index)) master \(hosts.bridge)", "ip link set \(hosts.veth(index)) up",
                "ip -n \(ns) link set lo up", "ip -n \(ns) addr add \(hosts.address(index))/24 dev eth0",
                "ip -n \(ns) link set eth0 up",
            ]
        }
        try await hosts.run(script)
        return hosts
    }

    /// Starts `executable` on host `index`, its output appended to `outputPath`.
    public func spawn(
        on index: Int, _ executable: String, _ arguments: [String] = [], environment: [String: String],
        outputPath: String
    ) throws -> ChildProcess {
        try ChildProcess.spawn(
            "/usr/sbin/ip", ["netns", "exec", self.namespace(index), executable] + arguments, environment: environment,
            outputPath: outputPath)
    }

    /// Cuts host `index` off the network: its link goes down, as a pulled cable or a dead switch port.
    public func cut(_ index: Int) async throws {
        try await self.run(["ip link set \(self.veth(index)) down"])
    }

    /// Deletes the links, the bridge and the namespaces. Blocking, so that a `defer` finishes it before
    /// the test process may exit. (A namespace's end of a veth pair goes with the namespace only once the
    /// kernel has let go of it; deleting our end removes both at once.)
    public func remove() {
        var script = (1...self.count).map {
            "ip link del \(self.veth($0)) 2>/dev/null; ip netns del \(self.namespace($0))"
        }
        script.append("ip link del \(self.bridge)")
        _ = system(script.joined(separator: "\n"))
    }

    private func run(_ script: [String]) async throws {
        let result = try await runWithStatus("/bin/sh", ["-c", "set -e\n" + script.joined(separator: "\n")])
        guard result.status == 0 else { throw TestSupportError("network set-up failed: \(result.output)") }
    }
}
