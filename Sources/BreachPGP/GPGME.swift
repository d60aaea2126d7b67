internal import CGPGME

/// GPGME, initialised once for the whole process (gpgme_check_version must run first).
public enum GPGME {
    private static let checkedVersion: String? = bm_gpgme_check_version(nil).map { String(cString: $0) }

    /// The GPGME library version, e.g. `1.18.0`.
    public static var version: String { checkedVersion ?? "unknown" }
}
