public import BreachConfig
import BreachCore
import BreachRegister
public import Foundation

extension Workspace {
    /// Opens the working directory for a command that reads only (`status`, `incident show`, the
    /// exports): a broken `mail` section does not stop it. Its problems are returned, to be said
    /// once; the workspace's mail settings must not be used.
    ///
    /// - Throws: as ``open(directory:actor:)``, for any problem outside `mail`.
    public static func openForReading(directory: URL, actor: String) throws -> (workspace: Workspace, mailProblems: [FileProblem]) {
        let (configuration, mailProblems) = try Configuration.loadForReading(directory.appendingPathComponent(Configuration.fileName))
        let register = try openRegister(configuration.storage, directory: directory)
        if Clock.injected != nil {
            _ = try Clock.now()
            guard try register.takesInjectedClock() else { throw injectedClockRefused(register) }
        }
        return (Workspace(directory: directory, configuration: configuration, register: register, actor: actor), mailProblems)
    }
}
