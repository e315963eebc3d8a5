import Foundation
import ImageSamples
import ImageSwissProtos
import TestSupport
import Testing

/// The AI catalogue at run time, through the edge: an admin adds providers, models and presets by
/// API and the next quote and job use them without a restart; generation at Together (a preset,
/// a count, an aspect ratio) and at ComfyUI (a workflow whose inputs are filled), background
/// removal at Stability, content refusals and a provider out of funds failing with their reason
/// and nothing charged; restoration + colourisation at RunPod under the 720p cap.
@Suite(.serialized) struct AICatalogueTests {
    /// A ComfyUI workflow in API format (SDXL text-to-image) with our placeholders.
    static let workflow = """
        {"3":{"class_type":"KSampler","inputs":{"seed":"{{seed}}","steps":20,"cfg":7,"sampler_name":"euler",
        "scheduler":"normal","denoise":1,"model":["4",0],"positive":["6",0],"negative":["7",0],"latent_image":["5",0]}},
        "4":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"sd_xl_base_1.0.safetensors"}},
        "5":{"class_type":"EmptyLatentImage","inputs":{"width":"{{width}}","height":"{{height}}","batch_size":"{{count}}"}},
        "6":{"class_type":"CLIPTextEncode","inputs":{"text":"{{prompt}}","clip":["4",1]}},
        "7":{"class_type":"CLIPTextEncode","inputs":{"text":"{{negative_prompt}}","clip":["4",1]}},
        "8":{"class_type":"VAEDecode","inputs":{"samples":["3",0],"vae":["4",2]}},
        "9":{"class_type":"SaveImage","inputs":{"filename_prefix":"ComfyUI","images":["8",0]}}}
        """

    @Test func adminAddsProvidersModelsAndPresetsWithoutARestart() async throws {
        let fake = try await FakeGenerators()
        defer { fake.stop() }
        let jobs = try await JobsStack.start(["JOBS_PROVIDER_POLL_MS": "50", "JOBS_RETRY_DELAY_MS": "100"])
        defer { Task { await jobs.stop() } }
        let http = jobs.http
        let admin = try await http.signedInUser(JobsStack.adminEmail)
        let user = try await jobs.user("painter@imageswiss.test", credits: 200)
        func operation(_ name: String) async throws -> [String: Any] {
            let items = try #require(try await http.call("GET", "/api/v1/operations").json["items"] as? [[String: Any]])
            return try #require(items.first { $0["name"] as? String == name })
        }
        func put(_ path: String, _ body: [String: Any], as token: String? = nil) async throws -> HTTPReply {
            try await http.call("PUT", "/api/v1/admin/ai/" + path, json: body, bearer: token ?? admin.access)
        }
        func submit(_ steps: [[String: Any]], input: String? = nil) async throws -> [String: Any] {
            var body: [String: Any] = ["steps": steps]
            if let input { body["input_file_id"] = input }
            let reply = try await http.call("POST", "/api/v1/jobs", json: body, bearer: user.access)
            #expect(reply.status == 201 || reply.status == 200, "\(reply.text)")
            return try await jobs.finished(
                try #require(reply.json["id"] as? String, "\(reply.text)"), token: user.access)
        }

        // Nothing configured: generation is listed as unavailable, and refused with that reason.
        let before = try await operation("generation")
        #expect(
            before["available"] as? Bool == false
                && before["unavailable_reason"] as? String == "provider_not_configured")
        let refused = try await http.call(
            "POST", "/api/v1/jobs", json: ["steps": [["operation": "generation", "parameters": ["prompt": "x"]]]],
            bearer: user.access)
        #expect(refused.status == 409 || refused.status == 400, "\(refused.text)")

        // Together, by API: the credential is sealed at rest and answered only as its last four characters.
        let together = try await put(
            "providers/together",
            ["kind": "together", "base_url": fake.baseURL, "credential": FakeGenerators.togetherKey])
        #expect(together.status == 200 && together.json["credential_hint"] as? String == "…4321", "\(together.text)")
        #expect(!together.text.contains(FakeGenerators.togetherKey) && together.json["credential"] == nil)
        #expect(
            try await put("providers/mine", ["kind": "together", "base_url": fake.baseURL], as: user.access).status
                == 403)
        #expect(try await put("providers/bad", ["kind": "midjourney", "base_url": fake.baseURL]).status == 400)
        #expect(
            try await jobs.count(
                "SELECT count(*) FROM ai_providers WHERE position($1::bytea IN credential) > 0",
                [Array(FakeGenerators.togetherKey.utf8)]) == 0)
        let model = try await put(
            "models/flux-schnell",
            [
                "operation": "generation", "provider_id": "together", "reference": "black-forest-labs/FLUX.1-schnell",
                "label": "FLUX.1 schnell", "price_credits": 6, "is_default": true, "parameters": ["steps": "4"],
            ])
        #expect(model.status == 200, "\(model.text)")
        #expect(
            try await put(
                "models/x", ["operation": "resize", "provider_id": "together", "reference": "m", "label": "x"]
            ).status == 400)
        // A preset's preview is one of the admin's files; anyone listing the presets gets a signed link.
        let preview = try await jobs.upload(admin.access, width: 320, height: 240, name: "watercolour.jpg")
        let someoneElses = try await jobs.upload(user.access, width: 320, height: 240)
        let stolen = try await put(
            "presets/watercolour",
            ["label": "Watercolour", "template": "{prompt}, watercolour", "preview_file_id": someoneElses])
        #expect(stolen.status == 404 && stolen.errorCode == "preview_not_found", "\(stolen.text)")
        #expect(
            try await put(
                "presets/watercolour",
                [
                    "label": "Watercolour", "template": "{prompt}, watercolour on rough paper",
                    "negative_prompt": "photo", "preview_file_id": preview,
                ]
            ).status == 200)
        let catalogue = try await http.call("GET", "/api/v1/admin/ai", bearer: admin.access)
        #expect(!catalogue.text.contains(FakeGenerators.togetherKey) && catalogue.text.contains("…4321"))
        #expect(try await http.call("GET", "/api/v1/admin/ai", bearer: user.access).status == 403)
        let presetReply = try await http.call("GET", "/api/v1/ai/presets")
        #expect(presetReply.status == 200, "\(presetReply.text)")
        let presets = try #require(presetReply.json["items"] as? [[String: Any]], "\(presetReply.text)")
        #expect(presets.map { $0["id"] as? String } == ["watercolour"])
        let previewURL = try #require(presets.first?["preview_url"] as? String, "\(presets)")
        #expect(previewURL.hasPrefix("/d/\(preview)?"))
        let shown = try await http.call("GET", previewURL)
        #expect(
            shown.status == 200 && shown.headers["content-type"] == "image/jpeg", "anyone may see it, signed-in or not")

        // The next quote and job use them: 2 pictures of a 6-credit model, the preset's words, 16:9.
        let after = try await operation("generation")
        let offered = try #require(after["models"] as? [[String: Any]])
        #expect(after["available"] as? Bool == true && offered.first?["id"] as? String == "flux-schnell")
        let step: [String: Any] = [
            "operation": "generation",
            "parameters": [
                "prompt": "a lighthouse", "count": 2, "preset": "watercolour", "aspect_ratio": "16:9", "seed": 7,
            ],
        ]
        let quote = try await http.call("POST", "/api/v1/batches/quote", json: ["steps": [step]], bearer: user.access)
        #expect(quote.json["total_credits"] as? Int == 12, "\(quote.text)")
        let made = try await submit([step])
        #expect(made["status"] as? String == "succeeded" && made["charged_credits"] as? Int == 12, "\(made)")
        let outputs = try #require(made["output_file_ids"] as? [String])
        #expect(outputs.count == 2 && made["tool"] as? String == "generation:flux-schnell")
        let sent = try #require(fake.calls(to: "together").last)
        #expect(sent["prompt"] as? String == "a lighthouse, watercolour on rough paper")
        #expect(sent["negative_prompt"] as? String == "photo" && sent["n"] as? Int == 2 && sent["seed"] as? Int == 7)
        #expect(sent["width"] as? Int == 1344 && sent["height"] as? Int == 768 && sent["steps"] as? Int == 4, "\(sent)")
        #expect(sent["model"] as? String == "black-forest-labs/FLUX.1-schnell" && sent["preset"] == nil)
        for output in outputs {
            // Each picture passed through ImageOps under the free tier's 480p cap.
            let file = try await http.call("GET", "/api/v1/files/\(output)", bearer: user.access).json
            #expect(file["height"] as? Int == 480 && file["content_type"] as? String == "image/png", "\(file)")
        }

        // A content refusal and an empty provider account fail at once with their reason, nothing charged.
        let refusal = try await submit([["operation": "generation", "parameters": ["prompt": "refuse"]]])
        #expect(refusal["status"] as? String == "failed" && refusal["attempts"] as? Int == 1, "\(refusal)")
        #expect((refusal["error"] as? String)?.hasPrefix("content_refused") == true, "\(refusal)")
        let broke = try await submit([["operation": "generation", "parameters": ["prompt": "no-funds"]]])
        #expect(broke["status"] as? String == "failed" && (broke["error"] as? String)?.contains("402") == true)
        let limited = try await submit([["operation": "generation", "parameters": ["prompt": "rate-limit-once"]]])
        #expect(limited["status"] as? String == "succeeded" && limited["attempts"] as? Int == 2, "\(limited)")
        for failed in [refusal, broke] {
            let id = try #require(failed["id"] as? String)
            try await waitUntil {
                try await jobs.count(
                    "SELECT count(*) FROM holds WHERE reference = $1 AND state = 'released'", [id], billing: true) == 1
            }
        }
        // An unknown model is refused naming the field.
        let unknown = try await http.call(
            "POST", "/api/v1/jobs",
            json: ["steps": [["operation": "generation", "parameters": ["prompt": "x", "model": "nope"]]]],
            bearer: user.access)
        #expect(
            unknown.status == 400
                && unknown.json["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "unknown_model")

        // ComfyUI: the workflow's placeholders filled with the request's values, typed.
        #expect(try await put("providers/gpu-box", ["kind": "comfyui", "base_url": fake.baseURL]).status == 200)
        #expect(
            try await put(
                "models/sdxl",
                ["operation": "generation", "provider_id": "gpu-box", "reference": "{not json", "label": "SDXL"]
            ).status == 400)
        #expect(
            try await put(
                "models/sdxl",
                [
                    "operation": "generation", "provider_id": "gpu-box", "reference": Self.workflow,
                    "label": "SDXL (our GPU)",
                ]
            ).status == 200)
        let comfy = try await submit([
            [
                "operation": "generation",
                "parameters": ["prompt": "a harbour at night", "model": "sdxl", "seed": 11, "preset": "watercolour"],
            ]
        ])
        #expect(comfy["status"] as? String == "succeeded" && comfy["charged_credits"] as? Int == 5, "\(comfy)")
        let graph = try #require(fake.calls(to: "comfyui").compactMap { $0["graph"] as? [String: Any] }.last)
        let node = { (id: String) in (graph[id] as? [String: Any])?["inputs"] as? [String: Any] ?? [:] }
        #expect(node("6")["text"] as? String == "a harbour at night, watercolour on rough paper")
        #expect(node("7")["text"] as? String == "photo" && node("3")["seed"] as? Int == 11)
        #expect(node("5")["width"] as? Int == 1024 && node("5")["batch_size"] as? Int == 1, "\(graph)")
        #expect(fake.calls(to: "comfyui").contains { ($0["view"] as? String)?.contains("ComfyUI_00001_.png") == true })

        // Stability: the background removed from the user's photo; a filtered generation refused.
        _ = try await put(
            "providers/stability",
            ["kind": "stability", "base_url": fake.baseURL, "credential": FakeGenerators.stabilityKey])
        _ = try await put(
            "models/cutout",
            [
                "operation": "remove_background", "provider_id": "stability", "reference": "edit/remove-background",
                "label": "Stability cut-out",
            ])
        _ = try await put(
            "models/core",
            [
                "operation": "generation", "provider_id": "stability", "reference": "generate/core",
                "label": "Stable Image Core", "price_credits": 3,
            ])
        let photo = try await jobs.upload(user.access, width: 800, height: 600)
        let cutout = try await submit([["operation": "remove_background"]], input: photo)
        #expect(cutout["status"] as? String == "succeeded", "\(cutout)")
        let stabilityCall = try #require(fake.calls(to: "stability").last)
        #expect(
            stabilityCall["service"] as? String == "edit/remove-background"
                && stabilityCall["output_format"] as? String == "png")
        #expect((stabilityCall["image"] as? String)?.hasSuffix("bytes") == true)
        let filtered = try await submit([
            ["operation": "generation", "parameters": ["prompt": "filtered", "model": "core"]]
        ])
        #expect((filtered["error"] as? String)?.hasPrefix("content_refused") == true, "\(filtered)")
        let moderated = try await submit([
            ["operation": "generation", "parameters": ["prompt": "refuse", "model": "core"]]
        ])
        #expect((moderated["error"] as? String)?.hasPrefix("content_refused") == true, "\(moderated)")

        // The creative tools at Stability: an object named, a watermark painted over, a product in a scene.
        for (id, operation, service) in [
            ("eraser", "remove_object", "edit/search-and-replace"), ("unmark", "remove_watermark", "edit/erase"),
            ("scene", "product_shot", "generate/core"),
        ] {
            _ = try await put(
                "models/\(id)", ["operation": operation, "provider_id": "stability", "reference": service, "label": id])
        }
        let removed = try await submit(
            [["operation": "remove_object", "parameters": ["object": "the lamp"]]], input: photo)
        #expect(removed["status"] as? String == "succeeded" && removed["charged_credits"] as? Int == 3, "\(removed)")
        let replace = try #require(fake.calls(to: "stability").last)
        #expect(
            replace["service"] as? String == "edit/search-and-replace"
                && replace["search_prompt"] as? String == "the lamp")
        let mask = try await jobs.upload(user.access, width: 800, height: 600, name: "mask.png")
        let unmarked = try await submit(
            [["operation": "remove_watermark", "parameters": ["mask_file_id": mask]]], input: photo)
        #expect(unmarked["status"] as? String == "succeeded", "\(unmarked)")
        let erase = try #require(fake.calls(to: "stability").last)
        #expect(
            erase["service"] as? String == "edit/erase" && (erase["mask"] as? String)?.hasSuffix("bytes") == true,
            "\(erase)")
        let strangers = try await jobs.user("someone-else@imageswiss.test", credits: 10)
        let foreignMask = try await http.call(
            "POST", "/api/v1/jobs",
            json: [
                "input_file_id": try await jobs.upload(strangers.access),
                "steps": [["operation": "remove_watermark", "parameters": ["mask_file_id": mask]]],
            ],
            bearer: strangers.access)
        #expect(foreignMask.status == 404, "another user's mask: \(foreignMask.text)")
        let shot = try await submit(
            [["operation": "product_shot", "parameters": ["prompt": "on a marble counter", "preset": "watercolour"]]],
            input: photo)
        #expect(shot["status"] as? String == "succeeded" && shot["charged_credits"] as? Int == 5, "\(shot)")
        let scene = try #require(fake.calls(to: "stability").last)
        #expect(
            scene["prompt"] as? String == "on a marble counter, watercolour on rough paper" && scene["image"] != nil)

        // Each run's time and cost is recorded per provider; removing a provider removes its models.
        #expect(
            try await jobs.count(
                "SELECT count(*) FROM provider_runs WHERE provider_id = 'gpu-box' AND outcome = 'succeeded'") == 1)
        #expect(try await http.call("DELETE", "/api/v1/admin/ai/providers/gpu-box", bearer: admin.access).status == 204)
        let gone = try await http.call(
            "POST", "/api/v1/jobs",
            json: ["steps": [["operation": "generation", "parameters": ["prompt": "x", "model": "sdxl"]]]],
            bearer: user.access)
        #expect(gone.status == 400, "\(gone.text)")
        #expect(try await http.call("DELETE", "/api/v1/admin/ai/models/sdxl", bearer: admin.access).status == 404)
    }

    /// The restoration plan: with no provider, restoration runs the classic chain and says so while
    /// colourisation is unavailable (never faked); then restore + colourise (4 credits) both at a
    /// RunPod endpoint an admin added — restored first, the restored picture colourised — on a paid
    /// tier (720p on the short side), the original deleted once the job succeeded (the default for
    /// restoration), and kept when the request says so.
    @Test func restorationAndColourisationAtRunPod() async throws {
        let fake = try await FakeProviders()
        defer { fake.stop() }
        let jobs = try await JobsStack.start(["JOBS_PROVIDER_POLL_MS": "50", "JOBS_TIER_CACHE_MS": "0"])
        defer { Task { await jobs.stop() } }
        let admin = try await jobs.http.signedInUser(JobsStack.adminEmail)
        let user = try await jobs.user("grandma@imageswiss.test", credits: 40)
        try await jobs.billingDatabase.execute(
            "UPDATE subscriptions SET tier = 'plus' WHERE account_id = $1", [user.id])
        func operation(_ name: String) async throws -> [String: Any] {
            let all = try await jobs.http.call("GET", "/api/v1/operations").json["items"] as? [[String: Any]]
            return try #require(all?.first { $0["name"] as? String == name })
        }
        func quote(_ steps: [[String: Any]], _ input: String) async throws -> [String: Any] {
            let reply = try await jobs.http.call(
                "POST", "/api/v1/batches/quote", json: ["steps": steps, "input_file_ids": [input]], bearer: user.access)
            #expect(reply.status == 200, "\(reply.text)")
            return reply.json
        }

        // No provider: restoration is classic — available, quoted and named so; colourisation is not offered.
        #expect(try await operation("restoration")["available"] as? Bool == true)
        let colour = try await operation("colourization")
        #expect(
            colour["available"] as? Bool == false
                && colour["unavailable_reason"] as? String == "provider_not_configured")
        let old = try await jobs.upload(user.access, width: 800, height: 600)
        let classicQuote = try await quote([["operation": "restoration"]], old)
        #expect(
            classicQuote["total_credits"] as? Int == 2 && classicQuote["tool"] as? String == "restoration_classic",
            "\(classicQuote)")
        let classicJob = try await jobs.http.call(
            "POST", "/api/v1/jobs", json: ["input_file_id": old, "steps": [["operation": "restoration"]]],
            bearer: user.access)
        let classic = try await jobs.finished(
            try #require(classicJob.json["id"] as? String, "\(classicJob.text)"), token: user.access)
        #expect(
            classic["tool"] as? String == "restoration_classic" && classic["charged_credits"] as? Int == 2, "\(classic)"
        )
        let unserved = try await jobs.http.call(
            "POST", "/api/v1/jobs",
            json: ["input_file_id": old, "steps": [["operation": "restoration"], ["operation": "colourization"]]],
            bearer: user.access)
        #expect(unserved.status == 409, "colourisation has no classic method: \(unserved.text)")

        for (path, body) in [
            (
                "providers/runpod-gpu",
                ["kind": "runpod", "base_url": fake.baseURL, "credential": FakeProviders.runPodKey]
            ),
            (
                "models/deoldify",
                ["operation": "colourization", "provider_id": "runpod-gpu", "reference": "colour", "label": "DeOldify"]
            ),
            (
                "models/codeformer",
                [
                    "operation": "restoration", "provider_id": "runpod-gpu", "reference": "restore",
                    "label": "CodeFormer",
                ]
            ),
        ] {
            let reply = try await jobs.http.call("PUT", "/api/v1/admin/ai/" + path, json: body, bearer: admin.access)
            #expect(reply.status == 200, "\(reply.text)")
        }
        let both = [["operation": "colourization"], ["operation": "restoration"]]  // the checklist's order
        let photo = try await jobs.upload(
            user.access, bytes: try Samples.png(width: 1200, height: 900), name: "old.png")
        let bothQuote = try await quote(both, photo)
        #expect(
            bothQuote["total_credits"] as? Int == 4 && bothQuote["tool"] as? String == "colourization+restoration",
            "\(bothQuote)")
        let reply = try await jobs.http.call(
            "POST", "/api/v1/jobs",
            // No delete_originals: restoration jobs delete their originals unless told otherwise.
            json: ["input_file_id": photo, "steps": both], bearer: user.access)
        let done = try await jobs.finished(
            try #require(reply.json["id"] as? String, "\(reply.text)"), token: user.access)
        #expect(
            done["status"] as? String == "succeeded" && done["charged_credits"] as? Int == 4
                && done["tool"] as? String == "colourization+restoration", "\(done)")
        // Restored first (our 1200×900 upload), then the restorer's 1024×768 picture colourised.
        let runs = fake.received.filter { $0.hasPrefix("runpod-input:") }
        #expect(runs == ["runpod-input:restore:1200x900", "runpod-input:colour:1024x768"], "\(runs)")
        let output = try #require((done["output_file_ids"] as? [String])?.first)
        let file = try await jobs.http.call("GET", "/api/v1/files/\(output)", bearer: user.access).json
        #expect(file["width"] as? Int == 960 && file["height"] as? Int == 720, "\(file)")
        try await waitUntil {
            try await jobs.http.call("GET", "/api/v1/files/\(photo)", bearer: user.access).status == 404
        }
        let kept = try await jobs.upload(user.access, width: 800, height: 600)
        let keep = try await jobs.http.call(
            "POST", "/api/v1/jobs",
            json: [
                "input_file_id": kept, "delete_originals": false,
                "steps": [["operation": "restoration", "parameters": ["method": "classic"]]],
            ],
            bearer: user.access)
        let restored = try await jobs.finished(try #require(keep.json["id"] as? String), token: user.access)
        #expect(restored["status"] as? String == "succeeded" && restored["tool"] as? String == "restoration_classic")
        #expect(try await jobs.http.call("GET", "/api/v1/files/\(kept)", bearer: user.access).status == 200)

        // A phone photo of a print: the suggested corners, accepted as they are, straighten it.
        let snapshot = try await jobs.upload(user.access, bytes: try Samples.printOnTable(), name: "print.jpg")
        let suggested = try await jobs.http.call("GET", "/api/v1/files/\(snapshot)/corners", bearer: user.access)
        let corners = try #require(suggested.json["parameters"] as? [String: Double], "\(suggested.text)")
        #expect(
            suggested.json["found"] as? Bool == true && abs((corners["top_left_x"] ?? 0) - 0.2) < 0.02, "\(corners)")
        let nosy = try await jobs.user("nosy@imageswiss.test", credits: 1)
        #expect(try await jobs.http.call("GET", "/api/v1/files/\(snapshot)/corners", bearer: nosy.access).status == 404)
        let straightened = try await jobs.http.call(
            "POST", "/api/v1/jobs",
            json: [
                "input_file_id": snapshot,
                "steps": [["operation": "perspective", "parameters": corners], ["operation": "restoration"]],
            ],
            bearer: user.access)
        let flat = try await jobs.finished(
            try #require(straightened.json["id"] as? String, "\(straightened.text)"), token: user.access)
        #expect(flat["status"] as? String == "succeeded", "\(flat)")

        // No model serves upscale here: it runs classic (Lanczos + sharpening in ImageOps), named and priced so.
        let small = try await jobs.upload(user.access, width: 300, height: 200)
        let upscale = try await jobs.http.call(
            "POST", "/api/v1/jobs",
            json: ["input_file_id": small, "steps": [["operation": "upscale", "parameters": ["scale": 3]]]],
            bearer: user.access)
        let larger = try await jobs.finished(
            try #require(upscale.json["id"] as? String, "\(upscale.text)"), token: user.access)
        #expect(larger["tool"] as? String == "upscale_classic" && larger["charged_credits"] as? Int == 1, "\(larger)")
        let enlarged = try await jobs.http.call(
            "GET", "/api/v1/files/\(try #require((larger["output_file_ids"] as? [String])?.first))", bearer: user.access
        ).json
        #expect(enlarged["width"] as? Int == 900 && enlarged["height"] as? Int == 600, "\(enlarged)")
        let asked = try await jobs.http.call(
            "POST", "/api/v1/jobs",
            json: ["input_file_id": small, "steps": [["operation": "upscale", "parameters": ["method": "ai"]]]],
            bearer: user.access)
        #expect(asked.status == 409, "the AI method needs a model: \(asked.text)")
    }

    /// The photo-generation plan: a user uploads training photos, trains a personal model at
    /// Together (quoted, held, captured only once the trainer says it succeeded), then generates
    /// with it — its LoRA loaded, its trigger word in the prompt. Another user reaches neither the
    /// model nor its photos; a failed training charges nothing; deleting the model deletes its photos.
    @Test func aPersonalModelIsTrainedAtTogetherAndUsed() async throws {
        let fake = try await FakeGenerators()
        defer { fake.stop() }
        let jobs = try await JobsStack.start(["JOBS_PROVIDER_POLL_MS": "50", "JOBS_NOTICE_INTERVAL_MS": "100"])
        defer { Task { await jobs.stop() } }
        let http = jobs.http
        let admin = try await http.signedInUser(JobsStack.adminEmail)
        let user = try await jobs.user("rex-owner@imageswiss.test", credits: 300)
        let stranger = try await jobs.user("stranger@imageswiss.test", credits: 50)
        for (path, body) in [
            (
                "providers/together",
                ["kind": "together", "base_url": fake.baseURL, "credential": FakeGenerators.togetherKey]
            ),
            (
                "models/flux-lora",
                [
                    "operation": "train_model", "provider_id": "together", "reference": "black-forest-labs/FLUX.1-dev",
                    "label": "FLUX LoRA", "is_default": true, "parameters": ["n_epochs": "10"],
                ] as [String: Any]
            ),
        ] as [(String, [String: Any])] {
            let reply = try await http.call("PUT", "/api/v1/admin/ai/" + path, json: body, bearer: admin.access)
            #expect(reply.status == 200, "\(reply.text)")
        }
        var photos: [String] = []
        for index in 0..<10 {
            let reply = try await http.call(
                "POST", "/api/v1/files?purpose=training", raw: Data(try Samples.photo(width: 640, height: 600)),
                bearer: user.access,
                headers: ["Content-Type": "application/octet-stream", "X-File-Name": "rex\(index).jpg"])
            photos.append(try #require(reply.json["id"] as? String, "\(reply.text)"))
        }
        func train(_ body: [String: Any]) async throws -> HTTPReply {
            try await http.call("POST", "/api/v1/models", json: body, bearer: user.access)
        }
        // Too few photos, and a photo not uploaded for training, are refused naming why.
        let few = try await train(["name": "Rex", "photo_ids": Array(photos.prefix(9))])
        #expect(few.status == 400 && few.text.contains("training_photos"), "\(few.text)")
        let plain = try await jobs.upload(user.access, width: 640, height: 600)
        let mixed = try await train(["name": "Rex", "photo_ids": Array(photos.prefix(9)) + [plain]])
        #expect(mixed.status == 400 && mixed.text.contains("purpose=training"), "\(mixed.text)")

        let started = try await train(["name": "Rex", "trigger_word": "rexdog", "photo_ids": photos])
        #expect(started.status == 202 && started.json["status"] as? String == "training", "\(started.text)")
        let id = try #require(started.json["id"] as? String)
        #expect(try await http.call("GET", "/api/v1/models/\(id)", bearer: stranger.access).status == 404)
        #expect(try await http.call("DELETE", "/api/v1/models/\(id)", bearer: stranger.access).status == 404)
        var model: [String: Any] = [:]
        try await waitUntil(timeout: .seconds(30)) {
            model = try await http.call("GET", "/api/v1/models/\(id)", bearer: user.access).json
            return model["status"] as? String != "training"
        }
        #expect(model["status"] as? String == "ready" && model["progress"] as? Int == 100, "\(model)")
        let upload = try #require(fake.calls(to: "together").first { $0["upload"] != nil })
        #expect(upload["zip_entries"] as? Int == 10 && upload["upload"] as? String == "fine-tune")
        let fineTune = try #require(fake.calls(to: "together").compactMap { $0["fine_tune"] as? [String: Any] }.first)
        #expect(fineTune["model"] as? String == "black-forest-labs/FLUX.1-dev" && fineTune["lora"] as? Bool == true)
        #expect(fineTune["trigger_word"] as? String == "rexdog" && fineTune["n_epochs"] as? Int == 10, "\(fineTune)")
        // The model is ready a moment before its job records success; the job captures the quote.
        let trainingJob = try await jobs.finished(id, token: user.access)
        #expect(
            trainingJob["status"] as? String == "succeeded" && trainingJob["charged_credits"] as? Int == 100,
            "\(trainingJob)")

        // Its owner is told, once, linking to the models page.
        try await waitUntil {
            let notices = try await http.call("GET", "/api/v1/notifications", bearer: user.access)
            return (notices.json["items"] as? [[String: Any]] ?? []).filter {
                $0["kind"] as? String == "model_trained" && $0["link"] as? String == "/#/models"
                    && ($0["body"] as? String ?? "").contains("Rex")
            }.count == 1
        }

        // Generating with it: the LoRA loaded at Together, the trigger word leading the prompt.
        let step: [String: Any] = [
            "operation": "generate_with_model", "parameters": ["personal_model": id, "prompt": "on a beach"],
        ]
        let reply = try await http.call("POST", "/api/v1/jobs", json: ["steps": [step]], bearer: user.access)
        let made = try await jobs.finished(
            try #require(reply.json["id"] as? String, "\(reply.text)"), token: user.access)
        #expect(made["status"] as? String == "succeeded" && made["charged_credits"] as? Int == 6, "\(made)")
        let sent = try #require(fake.calls(to: "together").last)
        #expect(
            sent["model"] as? String == "black-forest-labs/FLUX.1-dev-lora"
                && sent["prompt"] as? String == "rexdog on a beach")
        let loras = try #require(sent["image_loras"] as? [[String: Any]], "\(sent)")
        #expect((loras.first?["path"] as? String)?.hasPrefix("imageswiss/flux-lora-ft-") == true)
        let theirs = try await http.call("POST", "/api/v1/jobs", json: ["steps": [step]], bearer: stranger.access)
        #expect(theirs.status == 404, "\(theirs.text)")

        // A training that fails at Together fails the model and charges nothing.
        let broken = try await train(["name": "Blur", "trigger_word": "broken", "photo_ids": photos])
        let brokenID = try #require(broken.json["id"] as? String, "\(broken.text)")
        try await waitUntil(timeout: .seconds(30)) {
            try await http.call("GET", "/api/v1/models/\(brokenID)", bearer: user.access).json["status"] as? String
                == "failed"
        }
        try await waitUntil {
            try await jobs.count(
                "SELECT count(*) FROM holds WHERE reference = $1 AND state = 'released'", [brokenID], billing: true)
                == 1
        }
        let listed = try #require(
            try await http.call("GET", "/api/v1/models", bearer: user.access).json["items"] as? [[String: Any]])
        #expect(Set(listed.compactMap { $0["id"] as? String }) == [id, brokenID])

        // Deleting the model deletes its photos; generating with it is then a 404.
        #expect(try await http.call("DELETE", "/api/v1/models/\(id)", bearer: user.access).status == 204)
        #expect(try await http.call("GET", "/api/v1/files/\(photos[0])", bearer: user.access).status == 404)
        #expect(try await http.call("POST", "/api/v1/jobs", json: ["steps": [step]], bearer: user.access).status == 404)
        #expect(try await http.call("GET", "/api/v1/models/\(id)", bearer: user.access).status == 404)
    }

    /// Replicate trainings: the photos' zip uploaded as a file, a training of the trainer's version
    /// with the file's URL, the destination and the trigger word; its output version becomes the
    /// model's reference; a failed training fails the model and charges nothing.
    @Test func aPersonalModelIsTrainedAtReplicate() async throws {
        let fake = try await FakeGenerators()
        defer { fake.stop() }
        let jobs = try await JobsStack.start(["JOBS_PROVIDER_POLL_MS": "50"])
        defer { Task { await jobs.stop() } }
        let http = jobs.http
        let admin = try await http.signedInUser(JobsStack.adminEmail)
        let user = try await jobs.user("replicate-trainee@imageswiss.test", credits: 300)
        for (path, body) in [
            (
                "providers/replicate-trainer",
                ["kind": "replicate", "base_url": fake.baseURL, "credential": FakeGenerators.replicateKey]
            ),
            (
                "models/flux-trainer",
                [
                    "operation": "train_model", "provider_id": "replicate-trainer",
                    "reference": "ostris/flux-dev-lora-trainer:e440909d3512", "label": "FLUX LoRA at Replicate",
                    "is_default": true, "parameters": ["destination": "operator/personal", "steps": "1000"],
                ] as [String: Any]
            ),
        ] as [(String, [String: Any])] {
            let reply = try await http.call("PUT", "/api/v1/admin/ai/" + path, json: body, bearer: admin.access)
            #expect(reply.status == 200, "\(reply.text)")
        }
        var photos: [String] = []
        for index in 0..<10 {
            let reply = try await http.call(
                "POST", "/api/v1/files?purpose=training", raw: Data(try Samples.photo(width: 640, height: 600)),
                bearer: user.access,
                headers: ["Content-Type": "application/octet-stream", "X-File-Name": "kit\(index).jpg"])
            photos.append(try #require(reply.json["id"] as? String, "\(reply.text)"))
        }
        func trained(_ word: String) async throws -> [String: Any] {
            let started = try await http.call(
                "POST", "/api/v1/models", json: ["name": "Kit", "trigger_word": word, "photo_ids": photos],
                bearer: user.access)
            let id = try #require(started.json["id"] as? String, "\(started.text)")
            var model: [String: Any] = [:]
            try await waitUntil(timeout: .seconds(30)) {
                model = try await http.call("GET", "/api/v1/models/\(id)", bearer: user.access).json
                return model["status"] as? String != "training"
            }
            return try await jobs.finished(id, token: user.access).merging(["model": model]) { first, _ in first }
        }
        let good = try await trained("kitcat")
        #expect((good["model"] as? [String: Any])?["status"] as? String == "ready", "\(good)")
        #expect(good["status"] as? String == "succeeded" && good["charged_credits"] as? Int == 100, "\(good)")
        let upload = try #require(fake.calls(to: "replicate").first { $0["upload"] != nil })
        #expect(upload["zip_entries"] as? Int == 10)
        let training = try #require(fake.calls(to: "replicate").first { $0["training"] != nil })
        #expect(training["trainer"] as? String == "ostris/flux-dev-lora-trainer:e440909d3512")
        let body = try #require(training["training"] as? [String: Any])
        let input = try #require(body["input"] as? [String: Any])
        #expect(body["destination"] as? String == "operator/personal" && input["trigger_word"] as? String == "kitcat")
        #expect((input["input_images"] as? String)?.hasPrefix("https://api.replicate.com/v1/files/") == true)
        #expect(input["steps"] as? Int == 1000 && input["destination"] == nil, "\(input)")
        let reference = try await jobs.database.query(
            "SELECT reference FROM personal_models WHERE id = $1::uuid", [good["id"] as? String ?? ""]
        ).first?.decode("reference", as: String.self)
        #expect(reference?.hasPrefix("vtr") == true, "the trained version: \(reference ?? "none")")

        let broken = try await trained("broken")
        #expect((broken["model"] as? [String: Any])?["status"] as? String == "failed", "\(broken)")
        #expect(((broken["model"] as? [String: Any])?["error"] as? String)?.contains("diverged") == true, "\(broken)")
        try await waitUntil { try await jobs.balance(user.id).held == 0 }
        #expect(try await jobs.balance(user.id).total == 300 + 3 - 100, "only the good training was charged")
    }

    /// Cost control: each run is recorded at its model's unit cost; at the provider's daily spend
    /// limit new runs wait in the queue (not fail, no attempt spent) until an admin raises it; the
    /// spend report sets provider cost against revenue.
    @Test func aProviderAtItsSpendLimitHoldsRunsBack() async throws {
        let fake = try await FakeGenerators()
        defer { fake.stop() }
        let jobs = try await JobsStack.start(["JOBS_SPEND_LIMIT_RECHECK_MS": "300", "JOBS_NOTICE_INTERVAL_MS": "100"])
        defer { Task { await jobs.stop() } }
        let http = jobs.http
        let admin = try await http.signedInUser(JobsStack.adminEmail)
        let user = try await jobs.user("thrifty@imageswiss.test", credits: 100)
        func provider(limit: Int) async throws {
            let reply = try await http.call(
                "PUT", "/api/v1/admin/ai/providers/together",
                json: [
                    "kind": "together", "base_url": fake.baseURL, "credential": FakeGenerators.togetherKey,
                    "daily_spend_limit_micros": limit,
                ], bearer: admin.access)
            #expect(reply.status == 200, "\(reply.text)")
        }
        try await provider(limit: 50_000)
        #expect(
            try await http.call(
                "PUT", "/api/v1/admin/ai/models/flux",
                json: [
                    "operation": "generation", "provider_id": "together", "reference": "flux", "label": "FLUX",
                    "unit_cost_micros": 40_000,
                ],
                bearer: admin.access
            ).status == 200)
        func submit() async throws -> String {
            let reply = try await http.call(
                "POST", "/api/v1/jobs",
                json: ["steps": [["operation": "generation", "parameters": ["prompt": "a fox"]]]],
                bearer: user.access)
            return try #require(reply.json["id"] as? String, "\(reply.text)")
        }
        for _ in 0..<2 {
            #expect(try await jobs.finished(try await submit(), token: user.access)["status"] as? String == "succeeded")
        }
        // 80,000 of 50,000 spent: the third run waits, queued, its attempt not spent.
        let third = try await submit()
        var waiting: [String: Any] = [:]
        try await waitUntil {
            waiting = try await http.call("GET", "/api/v1/jobs/\(third)", bearer: user.access).json
            return (waiting["error"] as? String)?.contains("daily spend limit") == true
        }
        #expect(waiting["status"] as? String == "queued" && waiting["attempts"] as? Int == 0, "\(waiting)")
        let catalogue = try await http.call("GET", "/api/v1/admin/ai", bearer: admin.access).json
        let listed = try #require(
            (catalogue["providers"] as? [[String: Any]])?.first { $0["id"] as? String == "together" })
        #expect(listed["spent_today_micros"] as? Int == 80_000, "\(listed)")
        try await provider(limit: 1_000_000)
        let done = try await jobs.finished(third, token: user.access)
        #expect(done["status"] as? String == "succeeded" && done["attempts"] as? Int == 1, "\(done)")

        // A tier's limit covers its runs at every provider: the free tier at 100,000 of 120,000 spent.
        let tierLimit = try await http.call(
            "PUT", "/api/v1/admin/ai/tier-limits/free", json: ["daily_limit_micros": 100_000], bearer: admin.access)
        #expect(tierLimit.status == 200 && tierLimit.json["spent_today_micros"] as? Int == 120_000, "\(tierLimit.text)")
        let fourth = try await submit()
        try await waitUntil {
            let job = try await http.call("GET", "/api/v1/jobs/\(fourth)", bearer: user.access).json
            return (job["error"] as? String)?.contains("free tier reached its daily AI spend limit") == true
                && job["status"] as? String == "queued"
        }
        // Admins were told, once a day per limit: the provider's and the tier's.
        try await waitUntil {
            let notices = try await http.call("GET", "/api/v1/notifications", bearer: admin.access)
            let bodies = (notices.json["items"] as? [[String: Any]] ?? []).filter {
                $0["kind"] as? String == "spend_limit_reached" && $0["link"] as? String == "/#/admin"
            }.compactMap { $0["body"] as? String }
            return bodies.count == 2 && bodies.contains { $0.contains("together reached") }
                && bodies.contains { $0.contains("free tier") }
        }
        let userNotices = try await http.call("GET", "/api/v1/notifications", bearer: user.access)
        #expect(
            (userNotices.json["items"] as? [[String: Any]] ?? []).allSatisfy {
                $0["kind"] as? String != "spend_limit_reached"
            }, "users are not told of the operator's limits")
        #expect(
            try await http.call("DELETE", "/api/v1/admin/ai/tier-limits/free", bearer: admin.access).status == 204)
        #expect(try await jobs.finished(fourth, token: user.access)["status"] as? String == "succeeded")

        let spend = try await http.call("GET", "/api/v1/admin/ai/spend?days=7", bearer: admin.access).json
        let line = try #require((spend["lines"] as? [[String: Any]])?.first, "\(spend)")
        #expect(line["operation"] as? String == "generation" && line["provider_id"] as? String == "together")
        #expect(
            line["runs"] as? Int == 4 && line["cost_micros"] as? Int == 160_000
                && line["charged_credits"] as? Int == 20, "\(line)")
        let price = try #require(spend["credit_price_cents"] as? Int)
        #expect(line["margin_micros"] as? Int == 20 * price * 10_000 - 160_000)
        #expect(try await http.call("GET", "/api/v1/admin/ai/spend", bearer: user.access).status == 403)
    }

    /// Each provider's refusals fail the job at once with the provider's reason, nothing charged:
    /// a wrong key (401), an unknown model (404), no funds (402), a malformed answer, an answer that
    /// is no picture, a workflow ComfyUI will not run (400).
    @Test func providerErrorsFailWithTheirReasons() async throws {
        let fake = try await FakeGenerators()
        defer { fake.stop() }
        let jobs = try await JobsStack.start(["JOBS_PROVIDER_POLL_MS": "50"])
        defer { Task { await jobs.stop() } }
        let http = jobs.http
        let admin = try await http.signedInUser(JobsStack.adminEmail)
        let user = try await jobs.user("unlucky@imageswiss.test", credits: 100)
        func put(_ path: String, _ body: [String: Any]) async throws {
            let reply = try await http.call("PUT", "/api/v1/admin/ai/" + path, json: body, bearer: admin.access)
            #expect(reply.status == 200, "\(reply.text)")
        }
        func generate(_ prompt: String, model: String) async throws -> [String: Any] {
            let reply = try await http.call(
                "POST", "/api/v1/jobs",
                json: ["steps": [["operation": "generation", "parameters": ["prompt": prompt, "model": model]]]],
                bearer: user.access)
            return try await jobs.finished(
                try #require(reply.json["id"] as? String, "\(reply.text)"), token: user.access)
        }
        func failed(_ job: [String: Any], _ reason: String) {
            #expect(
                job["status"] as? String == "failed" && job["attempts"] as? Int == 1
                    && (job["error"] as? String)?.contains(reason) == true && job["charged_credits"] as? Int == 0,
                "\(reason): \(job)")
        }
        try await put("providers/wrong-key", ["kind": "together", "base_url": fake.baseURL, "credential": "tgp_wrong"])
        try await put(
            "providers/together",
            ["kind": "together", "base_url": fake.baseURL, "credential": FakeGenerators.togetherKey])
        try await put(
            "providers/stability-broke", ["kind": "stability", "base_url": fake.baseURL, "credential": "sk-wrong"])
        try await put(
            "providers/stability",
            ["kind": "stability", "base_url": fake.baseURL, "credential": FakeGenerators.stabilityKey])
        try await put("providers/gpu", ["kind": "comfyui", "base_url": fake.baseURL])
        for (id, provider, reference) in [
            ("locked", "wrong-key", "flux"), ("missing", "together", "unknown/model"), ("flux", "together", "flux"),
            ("denied", "stability-broke", "generate/core"), ("core", "stability", "generate/core"),
            ("odd", "gpu", #"{"1":{"class_type":"CLIPTextEncode","inputs":{"text":"{{mystery}}"}}}"#),
            ("graph", "gpu", #"{"1":{"class_type":"CLIPTextEncode","inputs":{"text":"{{prompt}}"}}}"#),
        ] {
            try await put(
                "models/\(id)",
                ["operation": "generation", "provider_id": provider, "reference": reference, "label": id])
        }
        failed(try await generate("a cat", model: "locked"), "(401)")
        failed(try await generate("a cat", model: "missing"), "(404)")
        failed(try await generate("malformed", model: "flux"), "not a JSON object")
        let garbage = try await generate("not-an-image", model: "flux")
        #expect(garbage["status"] as? String == "failed" && garbage["charged_credits"] as? Int == 0, "\(garbage)")
        failed(try await generate("a cat", model: "denied"), "(401)")
        failed(try await generate("no-funds", model: "core"), "no funds left (402)")
        failed(try await generate("a cat", model: "odd"), "comfyui refused the workflow")
        // A workflow that ComfyUI accepts and then fails running: its execution error is the reason.
        failed(try await generate("explode", model: "graph"), "CUDA out of memory")
    }
}
