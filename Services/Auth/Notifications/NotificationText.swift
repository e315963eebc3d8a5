/// The words of each notification in each language the platform speaks: English, and Simplified
/// Chinese for accounts whose locale starts with `zh`. Parameters come from other services, so they
/// are only ever inserted as text (HTML-escaped in the HTML part).
struct NotificationText: Sendable {
    let title: String
    let body: String

    enum Language: String, Sendable {
        case english = "en"
        case chinese = "zh-Hans"

        init(locale: String) {
            self = locale.lowercased().hasPrefix("zh") ? .chinese : .english
        }
    }

    /// The words for `params`, which name a team when the notice is about one.
    static func of(_ kind: NotificationKind, _ params: [String: String], in language: Language) -> NotificationText {
        params["team"].map { NotificationText(kind, params, in: language, team: $0) }
            ?? NotificationText(kind, params, in: language)
    }

    init(_ kind: NotificationKind, _ params: [String: String], in language: Language) {
        let number = { (name: String) in params[name].flatMap(Int64.init) ?? 0 }
        switch (kind, language) {
        case (.batchCompleted, .english):
            let failed = number("failed")
            self.title = failed == 0 ? "Your pictures are ready" : "Your batch has finished"
            self.body =
                "\(number("succeeded")) of \(number("total")) pictures were processed (\(params["tool"] ?? ""))."
                + (failed == 0 ? "" : " \(failed) could not be processed and cost nothing.")
        case (.batchCompleted, .chinese):
            let failed = number("failed")
            self.title = failed == 0 ? "您的图片已处理完成" : "您的批处理已结束"
            self.body =
                "共 \(number("total")) 张图片，已成功处理 \(number("succeeded")) 张（\(params["tool"] ?? "")）。"
                + (failed == 0 ? "" : "\(failed) 张未能处理，不收取积分。")
        case (.jobFailed, .english):
            self.title = "A job failed"
            self.body =
                "Your \(params["tool"] ?? "") job failed: \(params["error"] ?? "unknown error"). It cost nothing."
        case (.jobFailed, .chinese):
            self.title = "任务失败"
            self.body = "您的 \(params["tool"] ?? "") 任务失败：\(params["error"] ?? "未知错误")。未收取积分。"
        case (.creditsLow, .english):
            self.title = "Your credits are running low"
            self.body = "You have \(number("balance")) credits left. Buy a pack or subscribe to keep going."
        case (.creditsLow, .chinese):
            self.title = "您的积分即将用完"
            self.body = "您还剩 \(number("balance")) 积分。购买积分包或订阅即可继续使用。"
        case (.receipt, .english) where params["renewal"] == "true":
            self.title = "Your subscription was renewed"
            self.body =
                "\(params["description"] ?? "Your subscription") for \(Self.money(params)), \(number("credits")) credits. "
                + "Invoice \(params["number"] ?? "") is kept under Credits (and attached to the mail)."
        case (.receipt, .chinese) where params["renewal"] == "true":
            self.title = "您的订阅已续订"
            self.body =
                "\(params["description"] ?? "订阅")，\(Self.money(params))，\(number("credits")) 积分。"
                + "发票 \(params["number"] ?? "") 保存在“积分”页面（邮件中附有 PDF）。"
        case (.receipt, .english):
            self.title = "Your receipt"
            self.body =
                "Thank you for your purchase: \(params["description"] ?? "") for \(Self.money(params)), "
                + "\(number("credits")) credits. Invoice \(params["number"] ?? "") is kept under Credits (and attached to the mail)."
        case (.receipt, .chinese):
            self.title = "您的收据"
            self.body =
                "感谢您的购买：\(params["description"] ?? "")，\(Self.money(params))，\(number("credits")) 积分。"
                + "发票 \(params["number"] ?? "") 保存在“积分”页面（邮件中附有 PDF）。"
        case (.subscriptionEnding, .english):
            self.title = "Your subscription is ending"
            self.body =
                "Your \(params["tier"] ?? "") subscription ends on \(params["period_end"] ?? ""). Its credits lapse then; "
                + "credits you bought stay. Choose a plan again under Credits to keep it."
        case (.subscriptionEnding, .chinese):
            self.title = "您的订阅即将结束"
            self.body =
                "您的 \(params["tier"] ?? "") 订阅将于 \(params["period_end"] ?? "") 结束，届时订阅积分失效；购买的积分保留。"
                + "如需继续，请在“积分”页面重新选择套餐。"
        case (.modelTrained, .english):
            self.title = "Your personal model is ready"
            self.body =
                "\(params["name"] ?? "Your model") has finished training. Create pictures with it under My models."
        case (.modelTrained, .chinese):
            self.title = "您的专属模型已就绪"
            self.body = "\(params["name"] ?? "您的模型") 已完成训练。可在“我的模型”页面用它生成图片。"
        case (.spendLimitReached, .english):
            self.title = "An AI spend limit was reached"
            self.body =
                "\(params["message"] ?? "A daily spend limit was reached"). Its AI jobs wait in the queue until tomorrow "
                + "(UTC) or until the limit is raised under Admin."
        case (.spendLimitReached, .chinese):
            self.title = "已达到 AI 花费上限"
            self.body = "\(params["message"] ?? "已达到每日花费上限")。相关 AI 任务将在队列中等待，直到次日（UTC）或上限被调高。"
        case (.paymentFailed, .english):
            self.title = "Your payment did not go through"
            self.body =
                "We could not charge your card for your subscription. Please update your payment details; "
                + "your plan stays active for a few days meanwhile."
        case (.paymentFailed, .chinese):
            self.title = "付款未成功"
            self.body = "我们无法从您的银行卡扣取订阅费用。请更新付款信息；在此期间，您的套餐将继续保留几天。"
        }
    }

    /// A team's notice names the team first: its owner and admins get their own notices too.
    init(_ kind: NotificationKind, _ params: [String: String], in language: Language, team: String) {
        let plain = NotificationText(kind, params, in: language)
        self.title = "\(team): \(plain.title)"
        self.body = plain.body
    }

    /// "12.99 USD" from cents and a currency.
    static func money(_ params: [String: String]) -> String {
        let cents = params["total_cents"].flatMap(Int64.init) ?? 0
        return String(format: "%lld.%02lld %@", cents / 100, cents % 100, (params["currency"] ?? "").uppercased())
    }

    /// The mail's chrome around the title and body.
    struct Mail {
        let subject: String
        let text: String
        let html: String
    }

    func mail(link: String, unsubscribeLink: String, settingsLink: String, in language: Language) -> Mail {
        let (open, stop, settings) =
            language == .chinese
            ? ("打开 ImageSwiss", "不再接收此类邮件", "通知设置")
            : ("Open in ImageSwiss", "Unsubscribe from these mails", "Notification settings")
        let text = """
            \(self.title)

            \(self.body)

            \(open): \(link)

            --
            \(stop): \(unsubscribeLink)
            \(settings): \(settingsLink)
            """
        let html = """
            <!doctype html>
            <html lang="\(language.rawValue)"><head><meta charset="utf-8"><title>\(Self.escape(self.title))</title></head>
            <body style="font-family: sans-serif; max-width: 36em">
            <h1 style="font-size: 1.3em">\(Self.escape(self.title))</h1>
            <p>\(Self.escape(self.body))</p>
            <p><a href="\(Self.escape(link))">\(open)</a></p>
            <hr>
            <p style="font-size: 0.8em"><a href="\(Self.escape(unsubscribeLink))">\(stop)</a> ·
            <a href="\(Self.escape(settingsLink))">\(settings)</a></p>
            </body></html>
            """
        return Mail(subject: self.title, text: text, html: html)
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
