import Foundation

/// Configuration of one service process, read from flags and environment variables.
///
/// For a key such as `RPC_PORT` a service named `auth` looks, in order, at the flag `--rpc-port`,
/// the variable `AUTH_RPC_PORT`, the variable `RPC_PORT`, then the default. The prefixed form lets
/// one environment file configure the whole stack (compose/stack.env); docs/configuration.md lists
/// every key.
public struct ServiceConfiguration: Sendable {
    public let serviceName: String
    private let environment: [String: String]
    private let flags: [String: String]

    public init(
        serviceName: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        arguments: [String] = CommandLine.arguments
    ) {
        self.serviceName = serviceName
        self.environment = environment
        var flags: [String: String] = [:]
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let key = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                let name = key.uppercased().replacingOccurrences(of: "-", with: "_")
                if let equals = body.firstIndex(of: "=") {
                    flags[name] = String(body[body.index(after: equals)...])
                } else if index + 1 < arguments.count {
                    flags[name] = arguments[index + 1]
                    index += 1
                }
            }
            index += 1
        }
        self.flags = flags
    }

    /// The raw value of a key, or nil when nothing sets it. Any key may instead name a file holding
    /// its value, `KEY_FILE` (prefixed or not), as secrets mounted by Kubernetes or Docker are: the
    /// file's text without its final newline. An unreadable file stops the service.
    public func string(_ key: String) -> String? {
        if let value = self.flags[key] { return value }
        if let value = self.environment["\(self.serviceName.uppercased())_\(key)"], !value.isEmpty { return value }
        if let value = self.environment[key], !value.isEmpty { return value }
        for name in ["\(self.serviceName.uppercased())_\(key)_FILE", "\(key)_FILE"] {
            guard let path = self.environment[name], !path.isEmpty else { continue }
            guard let data = FileManager.default.contents(atPath: path) else {
                fatalError("\(name): cannot read \(path)")
            }
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            return text
        }
        return nil
    }

    public func string(_ key: String, default value: String) -> String { self.string(key) ?? value }

    /// An integer key; a value that is not an integer is a startup error, not silently the default.
    public func int(_ key: String, default value: Int) throws -> Int {
        guard let text = self.string(key) else { return value }
        guard let number = Int(text) else { throw ConfigurationError("\(key) must be an integer, not '\(text)'") }
        return number
    }

    /// A duration key, in milliseconds.
    public func milliseconds(_ key: String, default value: Duration) throws -> Duration {
        guard let text = self.string(key) else { return value }
        guard let number = Int64(text), number >= 0 else {
            throw ConfigurationError("\(key) must be a whole number of milliseconds, not '\(text)'")
        }
        return .milliseconds(number)
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let text = self.string(key)?.lowercased() else { return value }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError("\(key) must be true or false, not '\(text)'")
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
