import CollectorCore
import NIOSSL

/// The receivers' TLS: TLS 1.2 or newer (`min_version`), and for TLS 1.2 only ECDHE key exchange with
/// AEAD ciphers, so every session has forward secrecy and no CBC or RSA key transport is offered
/// (TLS 1.3's suites all qualify). Shared by the HTTP and gRPC receivers.
public enum ServerTLS {
    public static let tls12Ciphers: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    public static func minimumVersion(_ tls: TLSConfig) -> TLSVersion {
        tls.minVersion == .tls13 ? .tlsv13 : .tlsv12
    }

    /// Reads the certificate chain and key; throws (naming the file) when either cannot be read.
    public static func configuration(_ tls: TLSConfig) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(tls.certFile) } catch {
            throw TLSFileError(path: tls.certFile, what: "certificate", cause: error)
        }
        do { key = try NIOSSLPrivateKey(file: tls.keyFile, format: .pem) } catch {
            throw TLSFileError(path: tls.keyFile, what: "private key", cause: error)
        }
        var c = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        c.minimumTLSVersion = minimumVersion(tls)
        c.cipherSuiteValues = tls12Ciphers
        return c
    }
}

/// A TLS file that cannot be used, by path (the cause is the library's own error).
public struct TLSFileError: Error, CustomStringConvertible {
    public let path: String
    public let what: String
    public let cause: any Error
    public var description: String { "cannot read the TLS \(what) \(path): \(cause)" }
}
