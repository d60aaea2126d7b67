import BreachApp
import Foundation

/// Which commit this binary was built from, for `--version`: `scripts/install.sh` writes it into
/// the share directory; a binary run from its checkout reads the checkout's git metadata (files
/// only, no git process). Nil when neither is found.
enum BuildInfo {
    static let commit: String? = {
        guard let share = try? Share.locate() else { return nil }
        if let text = try? String(contentsOf: share.appendingPathComponent("commit"), encoding: .utf8) {
            let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return commit.isEmpty ? nil : String(commit.prefix(12))
        }
        return gitHead(share.appendingPathComponent(".git")).map { String($0.prefix(12)) }
    }()

    /// The commit `HEAD` names in a checkout's `.git` (a folder, or a worktree's `gitdir:` file).
    static func gitHead(_ dotGit: URL) -> String? {
        var gitDir = dotGit
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isFolder) else { return nil }
        if !isFolder.boolValue {
            guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir: ") else { return nil }
            gitDir = URL(fileURLWithPath: text.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: dotGit.deletingLastPathComponent())
        }
        guard let head = try? String(contentsOf: gitDir.appendingPathComponent("HEAD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard head.hasPrefix("ref: ") else { return isHex(head) ? head : nil }
        let ref = String(head.dropFirst(5))
        // A worktree keeps its refs in the common directory.
        var common = gitDir
        if let text = try? String(contentsOf: gitDir.appendingPathComponent("commondir"), encoding: .utf8) {
            common = URL(fileURLWithPath: text.trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: gitDir.appendingPathComponent("x"))
        }
        for dir in [gitDir, common] {
            if let loose = try? String(contentsOf: dir.appendingPathComponent(ref), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines), isHex(loose) { return loose }
            if let packed = try? String(contentsOf: dir.appendingPathComponent("packed-refs"), encoding: .utf8) {
                for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                    let hash = String(line.prefix { $0 != " " })
                    if isHex(hash) { return hash }
                }
            }
        }
        return nil
    }

    private static func isHex(_ s: String) -> Bool { s.count >= 40 && s.allSatisfy(\.isHexDigit) }
}
