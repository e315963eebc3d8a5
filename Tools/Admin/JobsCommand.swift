import ArgumentParser
import ImageSwissProtos
import RPC
import ServiceRuntime

/// `jobs retry|cancel JOB`: what the admin API's job routes do.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Retry or cancel a job.", subcommands: [Retry.self, Cancel.self])

    static func call(_ method: RPCMethod<JobsGetJobRequest, JobsJob>, _ id: String, json: Bool) async throws {
        var request = JobsGetJobRequest()
        request.jobID = id
        let job = try await AdminConnection().call(ServiceCatalog.jobs, method, request)
        try report(job, json: json, "\(job.jobID): \(job.status)")
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a failed, canceled or expired job again, with a new hold.")
        @Argument var job: String
        @OptionGroup var common: CommonOptions
        func run() async throws { try await JobsCommand.call(JobsMethods.retryJob, self.job, json: self.common.json) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a job; its hold is released.")
        @Argument var job: String
        @OptionGroup var common: CommonOptions
        func run() async throws { try await JobsCommand.call(JobsMethods.cancelJob, self.job, json: self.common.json) }
    }
}

/// `webhooks redeliver WEBHOOK DELIVERY --owner USER`: sends a past delivery again, as its owner.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Redeliver a webhook event.", subcommands: [Redeliver.self])

    struct Redeliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a past delivery again.")
        @Argument var webhook: String
        @Argument var delivery: Int64
        @Option(help: "The webhook's owner (user id).") var owner: String
        @OptionGroup var common: CommonOptions

        func run() async throws {
            var request = JobsRedeliverRequest()
            request.webhookID = self.webhook
            request.deliveryID = self.delivery
            let sent = try await AdminConnection().call(
                ServiceCatalog.jobs, JobsMethods.redeliver, request,
                options: AdminConnection.options(as: self.owner, role: "service"))
            try report(sent, json: self.common.json, "delivery \(sent.deliveryID): \(sent.status)")
        }
    }
}

/// `keys rotate`: a new access-token signing key at Auth (the previous one keeps verifying).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Rotate Auth's token signing key.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign new access tokens with a new key.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let key = try await AdminConnection().call(
                ServiceCatalog.auth, AuthMethods.rotateSigningKey, AuthRotateSigningKeyRequest())
            try report(key, json: self.common.json, "new signing key \(key.keyID)")
        }
    }
}

/// `settlements redrive`: tells Billing now how every finished, unsettled job ended.
struct SettlementsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settlements", abstract: "Settle finished jobs' holds now.", subcommands: [Redrive.self])

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Capture or release every finished job's hold Billing has not yet heard of (up to 200 a run).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let answer = try await AdminConnection().call(
                ServiceCatalog.jobs, JobsMethods.redriveSettlements, JobsRedriveSettlementsRequest())
            try report(
                answer, json: self.common.json,
                "\(answer.pendingBefore) unsettled, \(answer.settled) settled, \(answer.stillPending) still pending")
            if answer.stillPending > 0 { throw ExitCode(1) }
        }
    }
}
