import RPC

/// The calls of imageswiss.health.v1.Health, which every service serves.
public enum HealthMethods {
    public static let serviceName = "imageswiss.health.v1.Health"
    public static let check = RPCMethod<HealthCheckRequest, HealthCheckResponse>(
        "\(serviceName)/Check", idempotent: true)
    public static let watch = RPCMethod<HealthCheckRequest, HealthCheckResponse>(
        "\(serviceName)/Watch", kind: .serverStreaming, idempotent: true)
}
