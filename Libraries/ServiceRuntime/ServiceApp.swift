import Foundation
import RPC
import ServiceLifecycle

/// A service, wired from its context: the RPC handlers it serves and the work it runs beside them.
/// Every service is one, and its executable is one line: `await ServiceMain.run(JobsApp.self)`. Tests
/// build the same value in-process (`App(context)`, then `register(in:)` on a router of their own).
public protocol ServiceApp: Sendable {
    /// Its name, ports and whether it owns a database.
    static var entry: ServiceEntry { get }
    /// Its SQL folder (`migrations/`, `functions/`), shipped as a resource; nil without a database.
    static var schema: URL? { get }
    init(_ context: ServiceContext) async throws
    func register(in router: inout RPCRouter)
    /// Work that runs while the service serves (workers, sweepers) and stops with it.
    var background: [any Service] { get }
}

extension ServiceApp {
    public static var schema: URL? { nil }
    public var background: [any Service] { [] }
}
