public import BreachConfig
public import Foundation

/// How the service listens, checked before anything starts: `service:` of `breachmail.yaml`,
/// with `--listen` overriding `service.listen`.
public struct ServerSettings: Sendable {
    public let listen: ListenAddress
    /// Absolute paths of the certificate chain and key (PEM); nil: plain HTTP, loopback only.
    public let tls: (certificate: String, key: String)?
    public let maxBodyBytes: Int
    /// How long the lease lasts without renewal, and how often it is renewed (a third of it).
    public let leaseDuration: TimeInterval
    public var leaseRenewal: TimeInterval { leaseDuration / 3 }

    /// - Throws: ``ServerError/Code/configuration`` for a malformed `--listen`, or a non-loopback
    ///   address without a certificate.
    public init(_ service: Configuration.Service, directory: URL, listenOverride: String? = nil) throws(ServerError) {
        let key = listenOverride == nil ? "service.listen" : "--listen"
        guard let listen = ListenAddress(listenOverride ?? service.listen) else {
            throw ServerError(.configuration, "\(key) \(listenOverride ?? service.listen) is not HOST:PORT; give e.g. 127.0.0.1:8025 (port 0: any free port).")
        }
        if service.tlsCertificate.isEmpty {
            guard listen.isLoopback else {
                throw ServerError(.configuration, "\(key) is \(listen), not a loopback address, and service.tls_certificate is not set: "
                    + "tokens and personal data never cross the network in clear. Set service.tls_certificate and service.tls_key in "
                    + "breachmail.yaml (PEM files), or listen on 127.0.0.1 behind a TLS-terminating proxy.")
            }
            tls = nil
        } else {
            func absolute(_ path: String) -> String { URL(fileURLWithPath: path, relativeTo: directory).standardizedFileURL.path }
            tls = (absolute(service.tlsCertificate), absolute(service.tlsKey))
        }
        self.listen = listen
        maxBodyBytes = service.maxBodyBytes
        leaseDuration = service.leaseSeconds
    }
}
