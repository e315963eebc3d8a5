import Hummingbird

/// A test's own HTTP server (a fake provider, a webhook receiver) on 127.0.0.1: returns once it
/// listens — told by the server, not guessed with a sleep — or throws after `timeout`.
public enum LocalHTTPServer {
    public static func start<Responder: HTTPResponderBuilder>(
        _ router: Responder, port: Int, timeout: Duration = .seconds(10)
    ) async throws -> Task<Void, any Error>
    where
        Responder.Responder.Context: RequestContext,
        Responder.Responder.Context.Source == ApplicationRequestContextSource
    {
        let (listening, signal) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in signal.yield() })
        let task = Task { try await app.runService() }
        let started = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await listening.first { _ in true } != nil }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        guard started else {
            task.cancel()
            throw TestSupportError("the local HTTP server on port \(port) did not start within \(timeout)")
        }
        return task
    }
}
