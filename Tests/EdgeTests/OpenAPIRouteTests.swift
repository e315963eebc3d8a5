import Foundation
import Hummingbird
import Testing

/// The OpenAPI document (Services/Edge/Public/openapi.json, from docs/openapi/generate.py) and the
/// edge's routes cannot drift: every route the router holds is documented with its method, and every
/// documented operation is a route. schemathesis (WebAppTests) then checks the answers against it.
@Suite("OpenAPI covers every route", .serialized)
struct OpenAPIRouteTests {
    /// Routes that are not part of the public JSON API (none today: metrics moved to their own port).
    static let undocumented: Set<String> = []

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() async throws {
        let stack = try await InProcessStack.start()
        let routes = Set(
            stack.router.routes.map { route in
                let path = route.path.description.split(separator: "/").map { part in
                    // `**` (the rest of the path, slashes included) is documented as {path}.
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : part == "**" ? "{path}" : String(part)
                }.joined(separator: "/")
                return "\(route.method.rawValue) /\(path)"
            }
        ).subtracting(Self.undocumented)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let document =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: root.appendingPathComponent("Services/Edge/Public/openapi.json")))
            as! [String: Any]
        var documented: Set<String> = []
        for (path, item) in document["paths"] as! [String: [String: Any]] {
            for method in item.keys where ["get", "put", "post", "patch", "delete", "head"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let missing = routes.subtracting(documented).sorted()
        let extra = documented.subtracting(routes).sorted()
        #expect(missing.isEmpty, "routes the document lacks (\(missing.count)):\n\(missing.joined(separator: "\n"))")
        #expect(extra.isEmpty, "documented operations no route serves:\n\(extra.joined(separator: "\n"))")
    }
}
