import BreachConfig
import BreachCore
import BreachRegister
import Foundation

/// The history payload of one run: counts only.
public struct CampaignRunPayload: Encodable {
    public let end: String
    public let run: Campaign.Figures
    public let states: [String: Int]
}

/// One campaign per incident at a time: an advisory lock the kernel drops when the process dies.
public struct CampaignLock {
    public let fd: Int32
    public init(_ ws: Workspace, incidentID: String) throws {
        // A file lock beside the SQLite register, which an import into the incident holds too (see
        // `Register.importSubjects`). A store without files serialises its senders by its claim.
        guard let sqlite = ws.register as? Register else { fd = -1; return }
        let path = sqlite.incidentLockPath(incidentID)
        fd = open(path, O_CREAT | O_RDWR, 0o600)
        guard fd >= 0 else { throw AppError(.unavailable, "cannot create \(path): check that the working directory is writable.") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw AppError(.conflict, "another `subjects notify \(incidentID)` or `subjects import \(incidentID)` is running in this working directory; wait for it or stop it.",
                           facts: ["incident": incidentID, "busy": "campaign"])
        }
    }
    public func release() { if fd >= 0 { close(fd) } }
}

