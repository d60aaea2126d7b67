import Foundation

/// A throw-away certificate authority and server certificates signed by it, made with the
/// `openssl` command (Debian package `openssl`) once per test process.
public final class TestCertificates: Sendable {
    /// A certificate and its private key, PEM files.
    public struct Pair: Sendable {
        public let certificate: String
        public let key: String
    }

    /// The CA's certificate: give it to the client as its CA file.
    public let caFile: String
    /// A server certificate for `localhost` and `127.0.0.1`.
    public let localhost: Pair
    /// A server certificate for `wrong.example` only, signed by the same CA.
    public let otherName: Pair
    private let directory: TemporaryDirectory

    /// The certificates of this test process, made on first use.
    ///
    /// - Throws: when `openssl` is missing or fails; install Debian's `openssl`.
    public static func shared() throws -> TestCertificates { try made.get() }

    private static let made = Result { try TestCertificates() }

    private init() throws {
        directory = try TemporaryDirectory("breachmail-certs")
        let dir = directory.url
        let openssl = "/usr/bin/openssl"
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try ProcessRunner.run(openssl, ["req", "-x509"] + curve + [
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "3", "-subj", "/CN=breachmail test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ], in: dir)
        func issue(_ name: String, altNames: String) throws -> Pair {
            try "subjectAltName=\(altNames)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                .write(to: dir.appendingPathComponent("\(name).ext"), atomically: true, encoding: .utf8)
            try ProcessRunner.run(openssl, ["req"] + curve + [
                "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)",
            ], in: dir)
            try ProcessRunner.run(openssl, [
                "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "\(name).pem", "-days", "3", "-extfile", "\(name).ext",
            ], in: dir)
            return Pair(certificate: dir.appendingPathComponent("\(name).pem").path,
                        key: dir.appendingPathComponent("\(name).key").path)
        }
        caFile = dir.appendingPathComponent("ca.pem").path
        localhost = try issue("localhost", altNames: "DNS:localhost,IP:127.0.0.1")
        otherName = try issue("wrong.example", altNames: "DNS:wrong.example")
    }
}
