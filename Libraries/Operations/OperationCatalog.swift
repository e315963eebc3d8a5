/// Every operation ImageSwiss offers, declared once. Jobs validates checklists against it and maps
/// them to ImageOps steps and Billing names, ImageOps orders its pipeline by its stages, the edge
/// serves it as `GET /api/v1/operations` and the web app builds its checklist from that answer.
/// Billing's seeded price list names each `billingName` (a test checks it).
public enum OperationCatalog {
    typealias P = ParameterSpec

    static let side: ClosedRange<Int> = 1...20_000
    static let formats = ["jpeg", "jpg", "png", "webp", "avif", "heic", "gif", "tiff", "jxl"]
    static let positions = [
        "northwest", "north", "northeast", "west", "centre", "center", "east", "southwest", "south", "southeast",
    ]

    static let encoding: [ParameterSpec] = [
        P("format", .choice(formats), example: "webp", "output format (default: the input's)"),
        P("quality", .integer(1...100), example: "80", "lossy quality"),
        P("lossless", .boolean, default: "false", "lossless encoding where the format has one"),
        P("effort", .integer(0...10), "encoder effort: slower, smaller"),
        P("progressive", .boolean, default: "false", "progressive / interlaced encoding"),
        P(
            "keep_metadata", .boolean, default: "false",
            "keep EXIF and other metadata (GPS included); stripped by default"),
    ]
    static let box: [ParameterSpec] = [
        P("width", .integer(side), required: true, example: "1024", unit: "px", "width of the box"),
        P("height", .integer(side), example: "1024", unit: "px", "height of the box (default: the width's proportion)"),
    ]
    static let prompt = P("prompt", .text(maxLength: 4000), "what to do, in words (the provider's default when absent)")
    static let size = P(
        "size", .choice(["256x256", "512x512", "1024x1024", "1792x1024", "1024x1792"]), default: "1024x1024",
        "output size asked of the provider")

    /// Which of the AI catalogue's models runs the step (GET /api/v1/ai/models lists them).
    static let model = P(
        "model", .text(maxLength: 40), example: "flux-schnell",
        "one of the enabled models of this operation (the default model when absent)")
    static let aiParameters: [ParameterSpec] = [prompt, size, model]
    static let generationParameters: [ParameterSpec] = [
        P("prompt", .text(maxLength: 4000), required: true, example: "a lighthouse at dawn", "what to draw"),
        P("negative_prompt", .text(maxLength: 2000), "what to keep out of the picture"),
        P(
            "aspect_ratio", .choice(["1:1", "4:3", "3:4", "16:9", "9:16"]), default: "1:1",
            "the picture's shape"),
        P("count", .integer(1...4), default: "1", "pictures to make, each a result, each charged"),
        P(
            "seed", .integer(0...2_147_483_647),
            "the same seed and prompt make the same picture, where the model allows"),
        P("preset", .text(maxLength: 40), example: "watercolour", "a style preset (GET /api/v1/ai/presets)"),
        size, model,
    ]

    public static let all: [OperationSpec] = [
        OperationSpec(
            "resize", label: "Resize", summary: "fit, fill or force a box", category: "edit",
            kind: .pipeline(step: "resize", stage: .geometry),
            parameters: box + [
                P(
                    "mode", .choice(["fit", "fill", "exact", "down"]), default: "fit",
                    "fit inside, fill and crop, exact (stretch) or only shrink")
            ]),
        OperationSpec(
            "thumbnail", label: "Thumbnail", summary: "shrink to fit a box, never enlarge", category: "edit",
            kind: .pipeline(step: "thumbnail", stage: .geometry),
            parameters: box + [P("mode", .choice(["fit", "fill", "exact", "down"]), default: "down", "as resize")]),
        OperationSpec(
            "crop", label: "Crop", summary: "cut out a rectangle", category: "edit",
            kind: .pipeline(step: "crop", stage: .geometry),
            parameters: [
                P("left", .integer(0...100_000), required: true, example: "0", unit: "px", "left edge"),
                P("top", .integer(0...100_000), required: true, example: "0", unit: "px", "top edge"),
                P("width", .integer(side), required: true, example: "512", unit: "px", "width"),
                P("height", .integer(side), required: true, example: "512", unit: "px", "height"),
            ]),
        OperationSpec(
            "smartcrop", label: "Smart crop", summary: "keep the most interesting region", category: "edit",
            kind: .pipeline(step: "smartcrop", stage: .geometry), billing: "crop",
            parameters: [
                P("width", .integer(side), required: true, example: "512", unit: "px", "width"),
                P("height", .integer(side), required: true, example: "512", unit: "px", "height"),
            ]),
        OperationSpec(
            "perspective", label: "Straighten a print",
            summary: "cut out a photographed print by its four corners and flatten it", category: "edit",
            kind: .pipeline(step: "perspective", stage: .geometry), billing: "crop",
            parameters: ["top_left", "top_right", "bottom_right", "bottom_left"].flatMap { corner in
                let words = corner.split(separator: "_").joined(separator: " ")
                return [
                    P(
                        "\(corner)_x", .number(0...1), required: true,
                        example: corner.hasSuffix("left") ? "0.05" : "0.95",
                        unit: "of the width", "\(words) corner, across"),
                    P(
                        "\(corner)_y", .number(0...1), required: true,
                        example: corner.hasPrefix("top") ? "0.05" : "0.95",
                        unit: "of the height", "\(words) corner, down"),
                ]
            }),
        OperationSpec(
            "rotate", label: "Rotate", summary: "by a multiple of 90°", category: "edit",
            kind: .pipeline(step: "rotate", stage: .geometry),
            parameters: [
                P("degrees", .integer(-270...270, step: 90), required: true, example: "90", unit: "°", "clockwise")
            ]),
        OperationSpec(
            "flip", label: "Flip", summary: "mirror the picture", category: "edit",
            kind: .pipeline(step: "flip", stage: .geometry),
            billing: "rotate",
            parameters: [P("direction", .choice(["horizontal", "vertical"]), default: "horizontal", "which way")]),
        OperationSpec(
            "autoorient", label: "Auto-orient", summary: "turn upright by its EXIF orientation", category: "edit",
            kind: .pipeline(step: "autoorient", stage: .geometry), billing: "rotate"),
        OperationSpec(
            "convert", label: "Convert", summary: "choose the format and its encoding", category: "format",
            kind: .pipeline(step: "convert", stage: .output), parameters: encoding),
        OperationSpec(
            "compress", label: "Compress", summary: "re-encode smaller (quality 75 unless given)", category: "format",
            kind: .pipeline(step: "convert", stage: .output),
            parameters: [P("quality", .integer(1...100), default: "75", example: "70", "lossy quality")]
                + encoding.filter { $0.name != "quality" }),
        OperationSpec(
            "grayscale", label: "Black & white", summary: "grayscale", category: "look",
            kind: .pipeline(step: "grayscale", stage: .point), billing: "adjust"),
        OperationSpec(
            "blur", label: "Blur", summary: "Gaussian blur", category: "look",
            kind: .pipeline(step: "blur", stage: .areaFilter),
            billing: "adjust",
            parameters: [P("sigma", .number(0.1...100), required: true, example: "2", unit: "px", "radius")]),
        OperationSpec(
            "sharpen", label: "Sharpen", summary: "unsharp mask", category: "look",
            kind: .pipeline(step: "sharpen", stage: .areaFilter),
            billing: "adjust", parameters: [P("sigma", .number(0.1...10), default: "1", unit: "px", "radius")]),
        OperationSpec(
            "adjust", label: "Brightness & contrast", summary: "lighten, darken, add contrast", category: "look",
            kind: .pipeline(step: "adjust", stage: .point),
            parameters: [
                P("brightness", .number(-1...1), default: "0", "−1 darker … 1 brighter"),
                P("contrast", .number(0...4), default: "1", "0 flat … 4 strong"),
            ]),
        OperationSpec(
            "gamma", label: "Gamma", summary: "gamma correction", category: "look",
            kind: .pipeline(step: "gamma", stage: .point),
            billing: "adjust", parameters: [P("gamma", .number(0.1...10), required: true, example: "1.5", "exponent")]),
        OperationSpec(
            "sepia", label: "Sepia", summary: "old-photo brown tone", category: "look",
            kind: .pipeline(step: "sepia", stage: .point), billing: "adjust"),
        OperationSpec(
            "tint", label: "Tint", summary: "colour the picture", category: "look",
            kind: .pipeline(step: "tint", stage: .point),
            billing: "adjust",
            parameters: ["red", "green", "blue"].map {
                P($0, .integer(0...255), required: true, example: "128", "\($0) (0–255)")
            }),
        OperationSpec(
            "watermark", label: "Watermark", summary: "text or one of your images over the picture", category: "look",
            kind: .pipeline(step: "watermark", stage: .overlay),
            parameters: [
                P("text", .text(maxLength: 200), example: "© me", "the text (or image=true)"),
                P("font_size", .integer(4...1000), unit: "px", "text size (default: by the picture's size)"),
                P("color", .colour, default: "ffffff", "text colour"),
                P("opacity", .number(0...1), default: "0.5", "0 invisible … 1 opaque"),
                P("position", .choice(positions), default: "southeast", "where"),
                P("image", .boolean, default: "false", "draw overlay_blob_id instead of text"),
                P("overlay_blob_id", .fileID, "one of your files, drawn when image=true"),
                P("scale", .number(0.01...1), default: "0.25", "the image's width, of the picture's"),
            ]),
        OperationSpec(
            "restoration", aliases: ["restore", "enhance"], label: "Restore old photo",
            summary: "scratches, noise and faded colour repaired: an AI model, or the classic filter chain",
            category: "restore", kind: .ai,
            parameters: [
                P(
                    "method", .choice(["ai", "classic"]),
                    "ai (a provider's model) or classic (denoise, colour balance, local contrast and sharpening, here); by default ai where a model serves restoration, else classic"
                ),
                model,
            ],
            capsResolution: true,
            classic: ClassicMethod(step: "enhance", stage: .areaFilter, billingName: "restoration_classic")),
        OperationSpec(
            "ocr", label: "Extract text (OCR)", summary: "text and word boxes, runs alone", category: "analyse",
            kind: .ocr,
            parameters: [
                P(
                    "languages", .text(maxLength: 64), default: "eng", example: "eng+deu",
                    "tesseract languages, '+'-joined")
            ]),
        OperationSpec(
            "deduplicate", label: "Find duplicates", summary: "groups near-identical pictures of a batch, runs alone",
            category: "analyse", kind: .deduplicate),
        OperationSpec(
            "colourization", aliases: ["colorization"], label: "Colourise (AI)",
            summary: "colour for black-and-white photos",
            category: "ai", kind: .ai, parameters: aiParameters, capsResolution: true),
        OperationSpec(
            "remove_background", label: "Remove background (AI)", summary: "cut out the subject", category: "ai",
            kind: .ai,
            parameters: aiParameters),
        OperationSpec(
            "upscale", label: "Upscale", summary: "more pixels: an AI model, or the classic Lanczos method",
            category: "ai",
            kind: .ai,
            parameters: aiParameters + [
                P(
                    "method", .choice(["ai", "classic"]),
                    "ai (a provider's model) or classic (Lanczos enlargement and sharpening, here); by default ai where a model serves upscale, else classic"
                ),
                P("scale", .integer(2...4), default: "2", "how many times larger (classic)"),
            ],
            capsResolution: true,
            classic: ClassicMethod(
                step: "upscale_classic", stage: .geometry, billingName: "upscale_classic", parameters: ["scale"])),
        OperationSpec(
            "generation", label: "Generate from a prompt (AI)",
            summary: "a new picture from words (an input picture optional)",
            category: "ai", kind: .ai, parameters: generationParameters, capsResolution: true),
        OperationSpec(
            "replace_background", label: "Replace background (AI)", summary: "keep the subject, put it somewhere new",
            category: "ai", kind: .ai,
            parameters: [
                P(
                    "prompt", .text(maxLength: 4000), required: true, example: "a sunny beach at golden hour",
                    "the new background"),
                P("seed", .integer(0...2_147_483_647), "the same seed makes the same picture, where the model allows"),
                model,
            ],
            capsResolution: true),
        OperationSpec(
            "remove_object", label: "Remove people or objects (AI)", summary: "name what to remove, or paint over it",
            category: "ai", kind: .ai,
            parameters: [
                P("object", .text(maxLength: 200), example: "the man on the left", "what to remove, in words"),
                P("mask_file_id", .fileID, "one of your pictures, white where to remove and black elsewhere"),
                model,
            ]),
        OperationSpec(
            "remove_watermark", label: "Remove watermark (AI)", summary: "text, logos and stamps over the photo",
            category: "ai", kind: .ai,
            parameters: [
                P(
                    "mask_file_id", .fileID,
                    "one of your pictures, white over the watermark (found by the model when absent)"),
                model,
            ]),
        OperationSpec(
            "product_shot", label: "Product shot (AI)", summary: "your product photo in a new scene", category: "ai",
            kind: .ai,
            parameters: [
                P(
                    "prompt", .text(maxLength: 4000), required: true, example: "on a marble counter, soft daylight",
                    "the scene"),
                P("preset", .text(maxLength: 40), example: "studio", "a style preset (GET /api/v1/ai/presets)"),
                P("seed", .integer(0...2_147_483_647), "the same seed makes the same picture, where the model allows"),
                model,
            ],
            capsResolution: true),
        OperationSpec(
            "train_model", label: "Train a personal model (AI)",
            summary: "learns a person, pet or product from 10–30 of your photos, runs alone", category: "ai",
            kind: .training,
            parameters: [
                P("name", .text(maxLength: 60), required: true, example: "Our dog Rex", "what you call it"),
                P(
                    "trigger_word", .text(maxLength: 40), default: "ohwx", example: "rexdog",
                    "a made-up word standing for the subject in prompts (letters and digits)"),
                model,
            ]),
        OperationSpec(
            "generate_with_model", label: "Generate with my model (AI)",
            summary: "a new picture of your trained subject, from words", category: "ai", kind: .ai,
            parameters: [
                P("personal_model", .text(maxLength: 36), required: true, "the id of one of your ready personal models")
            ] + generationParameters.filter { !["preset", "size", "model"].contains($0.name) },
            capsResolution: true),
        OperationSpec(
            "noop", label: "Pause", summary: "waits, for probes and benchmarks", category: "internal", kind: .noop,
            parameters: [P("duration_ms", .integer(0...60_000), default: "0", unit: "ms", "how long")], listed: false),
    ]

    static let byName: [String: OperationSpec] = {
        var table: [String: OperationSpec] = [:]
        for spec in all {
            for name in [spec.name] + spec.aliases {
                precondition(table[name] == nil, "operation name \(name) declared twice")
                table[name] = spec
            }
        }
        return table
    }()

    /// The operation a checklist names (or one of its aliases).
    public static func named(_ name: String) -> OperationSpec? { self.byName[name] }

    /// The stage of an ImageOps step name, as the pipeline orders steps. Unknown names run with the
    /// point operations and fail there with a clear error.
    public static func stage(ofStep step: String) -> PipelineStage { self.stages[step] ?? .point }

    /// Every name a pipeline step may carry (the ImageOps step, the operation's name and aliases) → its
    /// stage, made once: ImageOps looks stages up for every request it orders.
    static let stages: [String: PipelineStage] = {
        var table: [String: PipelineStage] = [:]
        for spec in all {
            let step: (String, PipelineStage)
            if case .pipeline(let name, let stage) = spec.kind {
                step = (name, stage)
            } else if let classic = spec.classic {
                step = (classic.step, classic.stage)
            } else {
                continue
            }
            for key in [step.0, spec.name] + spec.aliases where table[key] == nil { table[key] = step.1 }
        }
        return table
    }()
}
