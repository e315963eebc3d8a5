import Foundation
import Logging
import RPC
import ServiceLifecycle
import ServiceRuntime

/// Auth: accounts, sign-in, sessions and tokens, API keys, roles and the audit log.
/// Handlers: AuthHandlers.swift; mail delivery: OutboxWorker.swift.
public struct AuthApp: ServiceApp {
    public static let entry = ServiceCatalog.auth
    public static var schema: URL? { Bundle.module.url(forResource: "SQL", withExtension: nil) }

    let handlers: AuthHandlers
    let outbox: OutboxWorker

    public init(_ context: ServiceContext) async throws {
        guard let database = context.database else { throw ConfigurationError("auth needs its database") }
        let configuration = try AuthConfiguration(context.configuration)
        self.handlers = try await AuthHandlers(context: context, configuration: configuration)
        self.outbox = OutboxWorker(database: database, configuration: configuration, logger: context.logger)
    }

    public func register(in router: inout RPCRouter) { self.handlers.register(in: &router) }

    public var background: [any Service] { [self.outbox] }
}
