import ServiceRuntime
import Testing

@Suite("service configuration")
struct ServiceConfigurationTests {
    @Test func flagBeatsPrefixedVariableBeatsPlainVariableBeatsDefault() throws {
        let environment = ["AUTH_RPC_PORT": "7201", "RPC_PORT": "7301", "LOG_LEVEL": "debug"]
        let withFlag = ServiceConfiguration(
            serviceName: "auth", environment: environment, arguments: ["auth", "--rpc-port", "7401"])
        #expect(try withFlag.int("RPC_PORT", default: 1) == 7401)
        let withEquals = ServiceConfiguration(
            serviceName: "auth", environment: environment, arguments: ["auth", "--rpc-port=7501"])
        #expect(try withEquals.int("RPC_PORT", default: 1) == 7501)
        let noFlag = ServiceConfiguration(serviceName: "auth", environment: environment, arguments: ["auth"])
        #expect(try noFlag.int("RPC_PORT", default: 1) == 7201)
        let otherService = ServiceConfiguration(
            serviceName: "billing", environment: environment, arguments: ["billing"])
        #expect(try otherService.int("RPC_PORT", default: 1) == 7301)
        #expect(otherService.string("LOG_LEVEL") == "debug")
        #expect(try otherService.int("RPC_MAX_FRAME_SIZE", default: 42) == 42)
    }

    @Test func malformedValuesAreErrorsNotSilentDefaults() {
        let configuration = ServiceConfiguration(
            serviceName: "auth", environment: ["AUTH_RPC_PORT": "80a", "X_MS": "-5", "FLAG": "maybe"],
            arguments: ["auth"])
        #expect(throws: ConfigurationError.self) { try configuration.int("RPC_PORT", default: 1) }
        #expect(throws: ConfigurationError.self) { try configuration.milliseconds("X_MS", default: .seconds(1)) }
        #expect(throws: ConfigurationError.self) { try configuration.bool("FLAG", default: false) }
    }

    @Test func emptyVariablesCountAsUnset() throws {
        let configuration = ServiceConfiguration(
            serviceName: "auth", environment: ["AUTH_RPC_PORT": "", "RPC_PORT": "7301"], arguments: ["auth"])
        #expect(try configuration.int("RPC_PORT", default: 1) == 7301)
    }
}
