import NIOConcurrencyHelpers
import NIOCore

/// A client's connectors: one per address its endpoints' names resolve to, resolved again every
/// `resolveInterval` (off the caller's path), so that calls spread over every replica a name has, new
/// replicas start receiving calls and departed ones are retired (their calls in flight finish first).
/// Numeric endpoints are used as they are.
final class ConnectorPool: Sendable {
    private struct State {
        var connectors: [EndpointConnector]
        var resolvedAt: NIODeadline
        var resolving = false
        /// The first resolution, which the first calls wait for.
        var first: Task<Void, Never>?
    }

    let names: [RPCEndpoint]
    private let configuration: RPCClientConfiguration
    private let group: any EventLoopGroup
    private let state: NIOLockedValueBox<State>
    private let needsResolving: Bool

    init(names: [RPCEndpoint], configuration: RPCClientConfiguration, group: any EventLoopGroup) {
        self.names = names
        self.configuration = configuration
        self.group = group
        self.needsResolving = names.contains { !NameResolver.isNumeric($0.host) }
        // Until the first resolution (at the first call), a name's connector lets NIO pick an address.
        let connectors = names.map { EndpointConnector(endpoint: $0, configuration: configuration, group: group) }
        self.state = NIOLockedValueBox(State(connectors: connectors, resolvedAt: .distantPast))
    }

    /// The connectors to choose from now. The first call waits for the first resolution; later ones
    /// start a new resolution in the background when one is due and go on with what there is.
    func current() async -> [EndpointConnector] {
        guard self.needsResolving else { return self.all }
        let (first, due) = self.state.withLockedValue { state -> (Task<Void, Never>?, Bool) in
            if state.resolvedAt == .distantPast {
                if state.first == nil { state.first = Task.detached { self.refresh() } }
                return (state.first, false)
            }
            let interval = TimeAmount(self.configuration.resolveInterval)
            let due = !state.resolving && interval > .zero && NIODeadline.now() - state.resolvedAt >= interval
            if due { state.resolving = true }
            return (nil, due)
        }
        if let first { await first.value }
        if due { Task.detached { self.refresh() } }
        return self.all
    }

    var all: [EndpointConnector] { self.state.withLockedValue { $0.connectors } }

    /// Resolves every name now and replaces the connectors: kept where the address stays, new where it
    /// appeared, retired where it went. When a name does not resolve (DNS down), nothing changes.
    func refresh() {
        var wanted: [RPCEndpoint]? = []
        for name in self.names {
            guard
                let addresses = NameResolver.isNumeric(name.host)
                    ? [name] : self.configuration.resolver(name.host, name.port), !addresses.isEmpty
            else {
                wanted = nil
                break
            }
            for endpoint in addresses where wanted?.contains(endpoint) == false { wanted?.append(endpoint) }
        }
        let retired = self.state.withLockedValue { state -> [EndpointConnector] in
            defer {
                state.resolvedAt = .now()
                state.resolving = false
            }
            guard let wanted else { return [] }
            let kept = state.connectors.filter { wanted.contains($0.endpoint) }
            let added = wanted.filter { endpoint in !kept.contains { $0.endpoint == endpoint } }.map {
                EndpointConnector(endpoint: $0, configuration: self.configuration, group: self.group)
            }
            let retired = state.connectors.filter { !wanted.contains($0.endpoint) }
            state.connectors = kept + added
            return retired
        }
        for connector in retired { connector.retire() }
    }
}
