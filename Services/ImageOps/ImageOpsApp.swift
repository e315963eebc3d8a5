import RPC
import ServiceRuntime

/// ImageOps: stateless pixel operations on libvips. Handlers: ImageOpsHandlers.swift.
public struct ImageOpsApp: ServiceApp {
    public static let entry = ServiceCatalog.imageOps

    let handlers: ImageOpsHandlers

    public init(_ context: ServiceContext) async throws {
        self.handlers = try ImageOpsHandlers(
            configuration: ImageOpsConfiguration(context.configuration), logger: context.logger)
    }

    public func register(in router: inout RPCRouter) { self.handlers.register(in: &router) }
}
