import Foundation
import ImageSwissProtos
import RPC
import ServiceRuntime
import SwiftProtobuf

/// Clients to the services, configured from the environment as a service's are, and the call
/// options of an administrator.
struct AdminConnection {
    let configuration = ServiceConfiguration(serviceName: "admin-tool", arguments: [])

    func client(_ service: ServiceEntry) throws -> RPCClient {
        var options = RPCClientConfiguration()
        options.peerName = "imageswiss-admin"
        options.identity = try self.configuration.rpcIdentity()
        let addresses =
            self.configuration.string("\(service.name.uppercased())_RPC_ADDRESSES") ?? "127.0.0.1:\(service.defaultRPCPort)"
        return RPCClient(endpoints: try RPCEndpoint.list(addresses), configuration: options)
    }

    /// Who the tool acts as: IMAGESWISS_ADMIN_ID (an administrator's account id, so that Auth's audit
    /// log names the operator), else the nil UUID, which the audit log then shows for the tool.
    static var operatorID: String {
        ProcessInfo.processInfo.environment["IMAGESWISS_ADMIN_ID"] ?? "00000000-0000-0000-0000-000000000000"
    }

    /// An administrator's call; `account` acts as that user (a webhook's owner) instead.
    static func options(as account: String = AdminConnection.operatorID, role: String = "admin") -> RPCCallOptions {
        RPCCallOptions(
            timeout: .seconds(30),
            metadata: [
                RPCMetadata.callerID: account, RPCMetadata.callerRole: role, RPCMetadata.callerScopes: "*",
                RPCMetadata.requestID: "admin-\(UUID().uuidString.lowercased())",
            ])
    }

    /// One call on a fresh client, closed afterwards.
    func call<Request, Response>(
        _ service: ServiceEntry, _ method: RPCMethod<Request, Response>, _ request: Request,
        options: RPCCallOptions = AdminConnection.options()
    ) async throws -> Response {
        let client = try self.client(service)
        do {
            let response = try await client.unary(method, request, options: options)
            await client.close()
            return response
        } catch {
            await client.close()
            throw error
        }
    }
}

/// Prints an answer: JSON (the message's proto3 JSON form) or the given lines.
func report(_ message: some SwiftProtobuf.Message, json: Bool, _ text: @autoclosure () -> String) throws {
    if json {
        print(try message.jsonString())
    } else {
        print(text())
    }
}
