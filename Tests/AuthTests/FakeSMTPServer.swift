import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A local SMTP server (plain, AUTH PLAIN for the user "mailer" with the password "secret") that
/// records each message, for the outbox's SMTP delivery tests. Other credentials get 535, as a real
/// server answers them; `rejectRecipients` answers RCPT with 550, as a server refusing mail does.
final class FakeSMTPServer: Sendable {
    struct Mail: Sendable {
        let from: String
        let recipients: [String]
        let data: String
        let authenticated: Bool
    }

    let mails = NIOLockedValueBox([Mail]())
    let rejectRecipients = NIOLockedValueBox(false)
    private let channel: any Channel
    var port: Int { self.channel.localAddress?.port ?? 0 }

    init() async throws {
        let mails = self.mails
        let reject = self.rejectRecipients
        self.channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Session(mails: mails, reject: reject))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async { try? await self.channel.close() }

    /// One SMTP conversation, line by line.
    private final class Session: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let mails: NIOLockedValueBox<[Mail]>
        let reject: NIOLockedValueBox<Bool>
        var pending = ""
        var from = ""
        var recipients: [String] = []
        var data: String?
        var authenticated = false
        var awaitingCredentials = false

        init(mails: NIOLockedValueBox<[Mail]>, reject: NIOLockedValueBox<Bool>) {
            self.mails = mails
            self.reject = reject
        }

        func channelActive(context: ChannelHandlerContext) { self.reply("220 fake.smtp ESMTP", context) }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = self.unwrapInboundIn(data)
            self.pending += buffer.readString(length: buffer.readableBytes) ?? ""
            while let end = self.pending.range(of: "\r\n") {
                let line = String(self.pending[..<end.lowerBound])
                self.pending.removeSubrange(..<end.upperBound)
                self.handle(line, context)
            }
        }

        private func handle(_ line: String, _ context: ChannelHandlerContext) {
            if var body = self.data {
                if line == "." {
                    self.mails.withLockedValue {
                        $0.append(
                            Mail(
                                from: self.from, recipients: self.recipients, data: body,
                                authenticated: self.authenticated))
                    }
                    self.data = nil
                    self.reply("250 queued", context)
                } else {
                    body += (line.hasPrefix("..") ? String(line.dropFirst()) : line) + "\n"
                    self.data = body
                }
                return
            }
            if self.awaitingCredentials {
                self.awaitingCredentials = false
                self.authenticate(line, context)
                return
            }
            let verb = line.prefix(4).uppercased()
            switch verb {
            case "EHLO": self.reply("250-fake.smtp\r\n250 AUTH PLAIN LOGIN", context)
            case "HELO": self.reply("250 fake.smtp", context)
            case "AUTH":
                // libcurl sends "AUTH PLAIN" and the credentials after the 334 prompt.
                let words = line.split(separator: " ")
                if words.count >= 3 {
                    self.authenticate(String(words[2]), context)
                } else {
                    self.awaitingCredentials = true
                    self.reply("334 ", context)
                }
            case "MAIL":
                self.from = line
                self.reply("250 ok", context)
            case "RCPT":
                if self.reject.withLockedValue({ $0 }) {
                    self.reply("550 no such mailbox", context)
                } else {
                    self.recipients.append(line)
                    self.reply("250 ok", context)
                }
            case "DATA":
                self.data = ""
                self.reply("354 go ahead", context)
            case "QUIT":
                self.reply("221 bye", context)
                context.close(promise: nil)
            default: self.reply("250 ok", context)
            }
        }

        /// AUTH PLAIN's base64 of "\0user\0password" (RFC 4616).
        private func authenticate(_ encoded: String, _ context: ChannelHandlerContext) {
            let parts = Data(base64Encoded: encoded).map { $0.split(separator: 0, omittingEmptySubsequences: false) }
            let plain = parts?.map { String(decoding: $0, as: UTF8.self) } ?? []
            if plain.count == 3 && plain[1] == "mailer" && plain[2] == "secret" {
                self.authenticated = true
                self.reply("235 2.7.0 Authentication successful", context)
            } else {
                self.reply("535 5.7.8 Authentication credentials invalid", context)
            }
        }

        private func reply(_ text: String, _ context: ChannelHandlerContext) {
            context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
        }
    }
}
