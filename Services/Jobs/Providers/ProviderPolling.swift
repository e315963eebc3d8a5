import Foundation

/// The wait for an asynchronous provider job (Replicate's predictions, RunPod's jobs): poll until it
/// ends; a job that fails or is cancelled there fails ours at once; when our job is cancelled, or no
/// answer comes within the timeout, the provider's job is cancelled too (a timeout is retried).
enum ProviderPolling {
    enum State {
        case running
        case succeeded
        case failed(String)
        case canceled
    }

    static func wait(
        provider: String, first: [String: Any], interval: Duration, timeout: Duration,
        isCanceled: @Sendable () -> Bool, state: ([String: Any]) throws -> State,
        poll: () async throws -> [String: Any], cancel: () async -> Void
    ) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        var job = first
        while true {
            switch try state(job) {
            case .succeeded:
                return job
            case .failed(let reason):
                throw JobRunError.permanent("\(provider): the job failed: \(reason.prefix(300))")
            case .canceled:
                throw JobRunError.permanent("\(provider): the job was canceled")
            case .running:
                if isCanceled() {
                    await cancel()
                    throw JobRunError.permanent("canceled")
                }
                guard clock.now < end else {
                    await cancel()
                    throw JobRunError.transient("\(provider): no result within \(timeout)")
                }
                try await Task.sleep(for: interval)
                job = try await poll()
            }
        }
    }

    /// A provider-chosen id that is safe to put in a URL path.
    static func id(_ job: [String: Any], key: String = "id", provider: String) throws -> String {
        guard let id = job[key] as? String, id.range(of: "^[A-Za-z0-9_-]{1,100}$", options: .regularExpression) != nil
        else { throw JobRunError.permanent("\(provider) answered a job without a usable id") }
        return id
    }
}
