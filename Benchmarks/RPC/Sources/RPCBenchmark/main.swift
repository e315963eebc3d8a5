import Foundation
import ImageSwissProtos
import Telemetry

/// Unary echo calls/s and latency percentiles, ImageSwiss RPC against grpc-swift 2, on one connection
/// each, at 1 and 64 calls in flight, with 100-byte and 1 MiB payloads. Every scenario runs each
/// contender in alternating rounds (A B A B), so drift in the machine's state affects both alike.
let seconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "3") ?? 3
// BENCH_TRACING=<OTLP base URL>: tracing on, every ImageSwiss call traced and exported there
// (Benchmarks/Tracing/run.sh); unset, tracing is off as in a service without an endpoint.
if let endpoint = ProcessInfo.processInfo.environment["BENCH_TRACING"] {
    let exporter = Telemetry.bootstrap(SpanExporter.Settings(url: endpoint + "/v1/traces", service: "rpc-bench"))
    Task.detached { await exporter.run() }
    print("tracing on: every ImageSwiss call traced, exported to \(endpoint)")
}
let rounds = 2
let scenarios: [(payload: Int, concurrency: Int)] = [(100, 1), (100, 64), (1 << 20, 1), (1 << 20, 64)]

struct Measurement {
    var calls = 0
    var elapsed: Duration = .zero
    var latencies: [Duration] = []
    var callsPerSecond: Double { Double(calls) / elapsed.seconds }
    func percentile(_ p: Double) -> Duration {
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var microseconds: Double { seconds * 1e6 }
}

/// Runs `concurrency` loops of echo calls for `seconds`, recording each call's latency.
func measure(_ contender: any Contender, payload: Int, concurrency: Int, seconds: Double) async throws -> Measurement {
    var message = Blob()
    message.image = Data((0..<payload).map { UInt8(truncatingIfNeeded: $0) })
    let clock = ContinuousClock()
    // Warm up: connections, allocator, caches.
    let warmupEnd = clock.now + .milliseconds(300)
    while clock.now < warmupEnd { _ = try await contender.echo(message) }

    let start = clock.now
    let end = start + .milliseconds(Int64(seconds * 1000))
    let perTask = try await withThrowingTaskGroup(of: [Duration].self) { group in
        for _ in 0..<concurrency {
            group.addTask { [message] in
                var latencies: [Duration] = []
                latencies.reserveCapacity(1 << 16)
                while clock.now < end {
                    let before = clock.now
                    let answer = try await contender.echo(message)
                    latencies.append(clock.now - before)
                    guard answer.image.count == payload else { throw BenchmarkError("wrong echo size") }
                }
                return latencies
            }
        }
        var all: [Duration] = []
        for try await latencies in group { all += latencies }
        return all
    }
    return Measurement(calls: perTask.count, elapsed: clock.now - start, latencies: perTask)
}

func format(_ value: Double) -> String { String(format: "%.0f", value) }

print(
    "RPC benchmark: unary echo, one connection, \(seconds) s per round, \(rounds) rounds per contender, best round reported"
)
print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("")
print("payload  concurrency  contender        calls/s     p50 µs     p99 µs")
var summary: [String] = []
let imageswiss = try await ImageSwissContender.start(identity: false)
let identified = try await ImageSwissContender.start(identity: true)
let grpc = try await GRPCSwiftContender.start()
for scenario in scenarios {
    var best: [String: Measurement] = [:]
    for _ in 0..<rounds {
        for contender in [imageswiss, identified, grpc] as [any Contender] {
            let result = try await measure(
                contender, payload: scenario.payload, concurrency: scenario.concurrency, seconds: seconds)
            if result.callsPerSecond > (best[contender.name]?.callsPerSecond ?? 0) { best[contender.name] = result }
        }
    }
    for name in [imageswiss.name, identified.name, grpc.name] {
        let m = best[name]!
        let payload = scenario.payload >= 1 << 20 ? "1 MiB" : "\(scenario.payload) B"
        print(
            "\(payload.padding(toLength: 9, withPad: " ", startingAt: 0))\(String(scenario.concurrency).padding(toLength: 13, withPad: " ", startingAt: 0))\(name.padding(toLength: 15, withPad: " ", startingAt: 0))\(format(m.callsPerSecond).leftPadded(9))\(format(m.percentile(0.5).microseconds).leftPadded(11))\(format(m.percentile(0.99).microseconds).leftPadded(11))"
        )
    }
    let b = best[grpc.name]!
    for contender in [imageswiss, identified] {
        let a = best[contender.name]!
        summary.append(
            "\(contender.name), payload \(scenario.payload) B, \(scenario.concurrency) in flight: calls/s ratio \(String(format: "%.2f", a.callsPerSecond / b.callsPerSecond))x, p99 \(format(a.percentile(0.99).microseconds)) µs vs \(format(b.percentile(0.99).microseconds)) µs"
        )
    }
}
print("")
print("against grpc-swift-2:")
for line in summary { print("  " + line) }
await imageswiss.stop()
await identified.stop()
await grpc.stop()

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
