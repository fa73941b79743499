import Foundation

/// Delivers into a Maildir folder on this machine (`MAIL_DIR`): each message becomes one file in
/// `new/`, written under `tmp/` first and renamed, so a reader never sees half a message. This is
/// how a development installation without a relay hands out its mail (the sign-up and reset links
/// among it) without printing secrets to a log or a page; any mail client reads the folder.
public struct MaildirChannel: EmailChannel {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    public func deliver(_ message: EmailMessage) async throws {
        let manager = FileManager.default
        let temporary = directory.appendingPathComponent("tmp")
        let arrived = directory.appendingPathComponent("new")
        do {
            for folder in [temporary, arrived, directory.appendingPathComponent("cur")] {
                try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            let name = "\(Int(Date().timeIntervalSince1970)).\(UUID().uuidString.lowercased()).billing"
            let path = temporary.appendingPathComponent(name)
            try Data(MIMEMessage.render(message).utf8).write(to: path)
            try manager.moveItem(at: path, to: arrived.appendingPathComponent(name))
        } catch {
            throw DeliveryError("cannot write to the mail folder \(directory.path): \(error.localizedDescription)", isPermanent: false)
        }
    }
}
