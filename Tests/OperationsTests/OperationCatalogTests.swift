import Operations
import Testing

/// The operation catalogue's rules, without a stack: names and aliases, parameter checks, stages.
@Suite struct OperationCatalogTests {
    @Test func namesAndAliasesFindTheSameOperation() throws {
        #expect(OperationCatalog.named("colorization")?.name == "colourization")
        #expect(
            OperationCatalog.named("restore")?.name == "restoration"
                && OperationCatalog.named("enhance")?.name == "restoration")
        #expect(OperationCatalog.named("flip")?.billingName == "rotate")
        #expect(OperationCatalog.named("sharpen ") == nil && OperationCatalog.named("") == nil)
        let names = OperationCatalog.all.flatMap { [$0.name] + $0.aliases }
        #expect(Set(names).count == names.count, "every name once")
        #expect(
            OperationCatalog.all.filter(\.needsProvider).map(\.name).sorted() == [
                "colourization", "generate_with_model", "generation", "product_shot", "remove_background",
                "remove_object",
                "remove_watermark", "replace_background", "restoration", "train_model", "upscale",
            ])
        #expect(
            OperationCatalog.all.compactMap(\.classic).map(\.billingName).sorted() == [
                "restoration_classic", "upscale_classic",
            ])
        #expect(
            OperationCatalog.all.filter(\.capsResolution).map(\.name).sorted() == [
                "colourization", "generate_with_model", "generation", "product_shot", "replace_background",
                "restoration",
                "upscale",
            ])
    }

    @Test func parametersAreCheckedByNameTypeAndRange() throws {
        let resize = try #require(OperationCatalog.named("resize"))
        try resize.check(["width": "512"])
        try resize.check(["width": "512", "height": "300", "mode": "fill"])
        func problem(_ spec: OperationSpec, _ parameters: [String: String]) -> ParameterProblem? {
            do {
                try spec.check(parameters)
                return nil
            } catch { return error }
        }
        #expect(problem(resize, [:]) == ParameterProblem(field: "parameters.width", message: "is required by resize"))
        #expect(problem(resize, ["width": "0"])?.field == "parameters.width")
        #expect(problem(resize, ["width": "20001"])?.message == "must be 1 to 20000, not 20001")
        #expect(problem(resize, ["width": "5.5"])?.message == "must be a whole number, not '5.5'")
        #expect(problem(resize, ["width": "10", "colour": "red"])?.field == "parameters.colour")
        #expect(
            problem(resize, ["width": "10", "mode": "stretch"])?.message
                == "must be one of fit, fill, exact, down, not 'stretch'")
        let rotate = try #require(OperationCatalog.named("rotate"))
        try rotate.check(["degrees": "-90"])
        #expect(problem(rotate, ["degrees": "45"])?.message == "must be a multiple of 90, not 45")
        let adjust = try #require(OperationCatalog.named("adjust"))
        try adjust.check(["brightness": "-0.5", "contrast": "4"])
        #expect(problem(adjust, ["brightness": "1.5"])?.message == "must be -1 to 1, not 1.5")
        #expect(problem(adjust, ["contrast": "nan"])?.message == "must be a number, not 'nan'")
        let watermark = try #require(OperationCatalog.named("watermark"))
        try watermark.check(["text": "© me", "color": "#ff8800", "image": "false"])
        #expect(problem(watermark, ["color": "orange"])?.field == "parameters.color")
        #expect(problem(watermark, ["image": "maybe"])?.message == "must be true or false, not 'maybe'")
        #expect(
            problem(try #require(OperationCatalog.named("grayscale")), ["amount": "1"])?.message
                == "is not a parameter of grayscale (it takes none)")
        #expect(problem(try #require(OperationCatalog.named("generation")), [:])?.field == "parameters.prompt")
        #expect(
            problem(try #require(OperationCatalog.named("generation")), ["prompt": ""])?.message == "must not be empty")
    }

    @Test func stagesOrderThePipeline() {
        #expect(
            OperationCatalog.stage(ofStep: "resize") == .geometry
                && OperationCatalog.stage(ofStep: "thumbnail") == .geometry)
        #expect(
            OperationCatalog.stage(ofStep: "enhance") == .areaFilter
                && OperationCatalog.stage(ofStep: "restore") == .areaFilter
                && OperationCatalog.stage(ofStep: "upscale_classic") == .geometry)
        #expect(
            OperationCatalog.stage(ofStep: "watermark") == .overlay
                && OperationCatalog.stage(ofStep: "convert") == .output)
        #expect(
            OperationCatalog.stage(ofStep: "sepia") == .point
                && OperationCatalog.stage(ofStep: "no-such-step") == .point)
        #expect(
            PipelineStage.geometry < .areaFilter && PipelineStage.areaFilter < .point && PipelineStage.point < .overlay
                && PipelineStage.overlay < .output)
    }

    @Test func defaultsAndExamplesAreValidValues() throws {
        for spec in OperationCatalog.all {
            for parameter in spec.parameters {
                for value in [parameter.defaultValue, parameter.example].compactMap({ $0 }) {
                    #expect(parameter.problem(with: value) == nil, "\(spec.name).\(parameter.name) = \(value)")
                }
                #expect(
                    !(parameter.required && parameter.defaultValue != nil),
                    "\(spec.name).\(parameter.name): required with a default")
            }
        }
    }
}
