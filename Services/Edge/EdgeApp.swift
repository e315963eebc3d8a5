import RPC
import ServiceLifecycle
import ServiceRuntime

/// Edge: the only public door. HTTP/JSON for browsers and scripts (EdgeHTTPServer.swift); RPC health
/// like every service.
public struct EdgeApp: ServiceApp {
    public static let entry = ServiceCatalog.edge

    let http: [any Service]

    public init(_ context: ServiceContext) async throws {
        self.http = try EdgeHTTPServer.make(context)
    }

    public func register(in router: inout RPCRouter) {}

    public var background: [any Service] { self.http + [BufferedLines.Flusher()] }
}
