import Foundation
import ServiceRuntime

/// Where the web app's static files are: EDGE_WEB_ROOT, or the copy bundled with the edge
/// (Services/Edge/Public). The OpenAPI document is one of them.
enum WebApp {
    static func root(_ configuration: ServiceConfiguration) throws -> String {
        if let root = configuration.string("WEB_ROOT") { return root }
        guard let bundled = Bundle.module.resourcePath.map({ $0 + "/Public" }),
            FileManager.default.fileExists(atPath: bundled + "/index.html")
        else {
            throw ConfigurationError("the web app's files are missing; set EDGE_WEB_ROOT to Services/Edge/Public")
        }
        return bundled
    }

    static func openAPI(_ configuration: ServiceConfiguration) throws -> [UInt8] {
        try Self.file("openapi.json", configuration)
    }

    static func file(_ name: String, _ configuration: ServiceConfiguration) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: try Self.root(configuration) + "/" + name)))
    }
}
