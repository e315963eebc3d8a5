import Foundation
import ServiceRuntime

// Auth: accounts, sign-in, sessions and tokens, API keys, roles and the audit log.
// Handlers: AuthHandlers.swift; mail delivery: OutboxWorker.swift.
await ServiceMain.run(
    ServiceCatalog.auth, schema: Bundle.module.url(forResource: "SQL", withExtension: nil),
    extraServices: { context in
        guard let database = context.database else { return [] }
        return [OutboxWorker(database: database, configuration: try AuthConfiguration(context.configuration), logger: context.logger)]
    },
    registerHandlers: { router, context in
        let handlers = try await AuthHandlers(context: context, configuration: try AuthConfiguration(context.configuration))
        handlers.register(in: &router)
    }
)
