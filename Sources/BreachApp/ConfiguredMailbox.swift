import BreachConfig
import BreachCore
import BreachCurl
import Foundation

/// A mailbox of the configuration (`mail.bounces.imap`, `scheduler.acknowledgements`), opened and
/// read on a thread of its own (libcurl blocks): the password resolved, the TLS options, and
/// libcurl's failures told apart — a refused login is a configuration error naming the field (it
/// does not mend itself), an unreachable server is `unavailable`.
enum ConfiguredMailbox {
    static func read<T: Sendable>(_ ws: Workspace, _ imap: Configuration.BounceIMAP, field: String, thread: String,
                                  _ body: @escaping @Sendable (IMAPMailbox) throws -> T) async throws -> T {
        let password: String
        do { password = try (imap.password ?? .environment("BREACHMAIL_IMAP_PASSWORD")).resolve(relativeTo: ws.directory) } catch {
            throw AppError(.configuration, "\(field).password: \(error)", facts: ["field": "\(field).password"])
        }
        let options = IMAPOptions(url: imap.url, username: imap.username, password: password,
                                  allowPlaintextLoopback: imap.allowPlaintextLoopback,
                                  caFile: imap.caFile.isEmpty ? nil : ws.path(imap.caFile).path)
        return try await DedicatedThread.run(thread) {
            do {
                let box: IMAPMailbox
                do { box = try IMAPMailbox(options: options) } catch {
                    throw AppError(.configuration, "\(field).url: \(error)", facts: ["field": "\(field).url"])
                }
                return try body(box)
            } catch let error as CurlError where error.isLoginDenied {
                throw AppError(.configuration, "IMAP: \(error); check \(field).username and password", facts: ["field": "\(field).username"])
            } catch let error as CurlError {
                throw AppError(.unavailable, "IMAP: \(error)")
            }
        }
    }
}
