import Foundation
import NIOConcurrencyHelpers
import RPC
import Testing

/// Several replicas behind one name: every address gets calls, the set follows the name as it changes,
/// and old connections make way so that replicas behind one virtual address get their share too.
@Suite("balancing over replicas")
struct BalancingTests {
    /// `n` calls of Echo in `lanes` concurrent loops; every call must succeed.
    static func calls(_ client: RPCClient, _ n: Int, lanes: Int = 4) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    for i in stride(from: lane, to: n, by: lanes) {
                        _ = try await client.unary(TestMethods.echo, TestMethods.blob("\(i)"))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func callsReachEveryAddressOfANameAndFollowItsChanges() async throws {
        let servers = [try await TestServer.start(), try await TestServer.start(), try await TestServer.start()]
        defer { for server in servers { Task { await server.server.shutdownGracefully() } } }
        let address = { (i: Int) in RPCEndpoint(host: "127.0.0.1", port: servers[i].port) }
        // What the name "billing.test" resolves to, changed by the test as DNS would be.
        let records = NIOLockedValueBox([address(0), address(1)])
        let client = servers[0].client {
            $0.resolveInterval = .milliseconds(100)
            $0.resolver = { host, _ in host == "billing.test" ? records.withLockedValue { $0 } : nil }
        }
        let named = RPCClient(
            endpoints: [RPCEndpoint(host: "billing.test", port: 7102)], configuration: client.configuration)
        let counts = { servers.map { $0.probe.calls.withLockedValue { $0 } } }

        try await Self.calls(named, 200)
        #expect(counts()[0] >= 50 && counts()[1] >= 50 && counts()[2] == 0, "\(counts())")

        // A third replica appears: it gets calls within a resolve interval. (A resolution starts at a
        // call once the interval has passed, and that call still goes by the previous answer.)
        records.withLockedValue { $0.append(address(2)) }
        try await Task.sleep(for: .milliseconds(150))
        try await Self.calls(named, 1, lanes: 1)
        try await Task.sleep(for: .milliseconds(100))
        try await Self.calls(named, 300)
        #expect(counts()[2] >= 50, "\(counts())")

        // The first goes away: no call fails, and it gets none once the name stops naming it.
        records.withLockedValue { $0.removeFirst() }
        try await Task.sleep(for: .milliseconds(150))
        try await Self.calls(named, 1, lanes: 1)
        try await Task.sleep(for: .milliseconds(100))
        let before = counts()[0]
        try await Self.calls(named, 200)
        #expect(counts()[0] == before, "\(counts())")
        await named.close()
        await client.close()
    }

    @Test func oldConnectionsMakeWayWithoutFailingACall() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.server.shutdownGracefully() } }
        let client = server.client { $0.maxConnectionAge = .milliseconds(150) }
        let end = ContinuousClock.now + .milliseconds(1_200)
        var peers: Set<String> = []
        // Calls back to back and overlapping for longer than several connection lifetimes: each answer
        // names the connection it came on; none fails.
        while ContinuousClock.now < end {
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let answer = try await client.unary(TestMethods.peer, TestMethods.blob(""))
                        return String(decoding: answer.image, as: UTF8.self)
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            peers.formUnion(answers)
        }
        #expect(peers.count >= 5, "\(peers)")
        await client.close()
    }
}
