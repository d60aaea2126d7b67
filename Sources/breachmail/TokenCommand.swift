public import ArgumentParser
import BreachApp
import BreachRegister
public import BreachServer
import Foundation

extension Role: ExpressibleByArgument {}

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke the API tokens of `breachmail serve`.",
        discussion: """
            A token is shown once, when it is created; the register keeps only its SHA-256. Roles: \
            dpo (everything), operator (campaigns and bounces, and reading), auditor (reading only). \
            Creating and revoking are written to the register's history.

            Example:
              breachmail token create ops --role operator
              breachmail token list
              breachmail token revoke ops
            """,
        subcommands: [Create.self, List.self, Revoke.self])
}

extension TokenCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a token and print its secret, once.",
            discussion: "Example:\n  breachmail token create ops --role operator > ops.token")

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The token's name: letters, digits, '.', '_' and '-', at most 64 characters. It becomes the actor of what the token changes.")
        var name: String
        @Option(help: "dpo, operator or auditor.")
        var role: Role

        func run() throws {
            guard Self.isValidName(name) else {
                throw CLIError("token name \"\(name)\" is not allowed: use letters, digits, '.', '_' and '-' (at most 64 characters, "
                    + "starting with a letter or digit), e.g. ops-bot.", .usage)
            }
            let ws = try workspace.open()
            let secret = TokenSecret.generate()
            try ws.register.createToken(name: name, role: role.rawValue, secretSHA256: TokenSecret.sha256(secret), actor: ws.actor, at: try Clock.now())
            print(secret)
            FileHandle.standardError.write(Data("""
                Created token \(name) (role \(role.rawValue)). Its secret, above, is shown only this once: breachmail keeps only its SHA-256.
                Send it as `Authorization: Bearer TOKEN`; revoke it with `breachmail token revoke \(name)`.

                """.utf8))
        }

        static func isValidName(_ name: String) -> Bool {
            guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64 else { return false }
            func allowed(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c)) }
            return allowed(first) && name.unicodeScalars.allSatisfy { allowed($0) || $0 == "." || $0 == "_" || $0 == "-" }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the tokens: name, role, when created and by whom, last use, revocation. Never a secret.",
            discussion: "Example:\n  breachmail token list")

        @OptionGroup var workspace: WorkspaceOptions

        func run() throws {
            let ws = try workspace.open()
            let tokens = try ws.register.tokens()
            guard !tokens.isEmpty else {
                print("No tokens; create one with `breachmail token create NAME --role dpo|operator|auditor`.")
                return
            }
            let rows: [[String]] = [["NAME", "ROLE", "CREATED", "BY", "LAST USED", "REVOKED"]] + tokens.map { token in
                let revoked = token.revokedAt.map { "\($0) by \(token.revokedBy ?? "?")" } ?? "no"
                return [token.name, token.role, token.createdAt, token.createdBy, token.lastUsedAt ?? "never", revoked]
            }
            let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let cells = row.enumerated().map { index, cell in index == 5 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                print(cells.joined(separator: "  "))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Revoke a token: requests with it get 401 from then on.",
            discussion: "Example:\n  breachmail token revoke ops")

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The token's name (`breachmail token list`).")
        var name: String

        func run() throws {
            let ws = try workspace.open()
            try ws.register.revokeToken(name: name, actor: ws.actor, at: try Clock.now())
            print("Revoked token \(name): requests with it get 401 from now on.")
        }
    }
}
