// swift-tools-version:6.1
import PackageDescription

/// Every target is built with the same strict settings; CI adds `-warnings-as-errors`.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "breachmail",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "breachmail", targets: ["breachmail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // C libraries: module map and shim only.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CGPGME",
            pkgConfig: "gpgme",
            providers: [.apt(["libgpgme-dev"])]
        ),
        .systemLibrary(
            name: "CIDN2",
            pkgConfig: "libidn2",
            providers: [.apt(["libidn2-dev"])]
        ),

        // One Swift wrapper per C library, the only importer of it.
        .target(
            name: "BreachCurl",
            dependencies: ["CCurl", "BreachCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Sending: SMTP over libcurl on threads of its own, or a Maildir outbox.
        .target(
            name: "BreachTransport",
            dependencies: ["BreachCore", "BreachCurl", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Domain names to ASCII: IDNA 2008 / UTS #46 through libidn2.
        .target(
            name: "BreachIDN",
            dependencies: ["CIDN2"],
            swiftSettings: strict
        ),
        .target(
            name: "BreachPGP",
            dependencies: ["CGPGME", "BreachCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),

        // The pure core: value types and functions, no I/O, no C.
        .target(
            name: "BreachCore",
            swiftSettings: strict
        ),

        // Charts as inline SVG with their text equivalents (the dashboard, the reports): pure, no I/O.
        .target(
            name: "BreachCharts",
            dependencies: ["BreachCore"],
            swiftSettings: strict
        ),

        // Configuration and incident files (YAML), loaded and validated in one place.
        .target(
            name: "BreachConfig",
            dependencies: ["BreachCore", "Yams"],
            swiftSettings: strict
        ),

        // The register: GRDB/SQLite, migrations, the hash-chained history.
        .target(
            name: "BreachRegister",
            dependencies: [
                "BreachCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's own C API, for the import's insert (bound without GRDB's argument values).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // The register in PostgreSQL (postgres-nio): the same stores as `Register`, for several workers
        // on one campaign. SQLite-only code does not need it.
        .target(
            name: "BreachPostgres",
            dependencies: [
                "BreachCore", "BreachRegister",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // Composition: templates and MIME.
        .target(
            name: "BreachCompose",
            dependencies: [
                "BreachCore", "BreachIDN",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strict
        ),

        // Subjects from a CSV: the streaming reader, the header mapping, the import into the register.
        .target(
            name: "BreachImport",
            dependencies: [
                "BreachCore", "BreachCompose", "BreachRegister",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The reader's state is a class's (it streams a file of any size): in a release build
            // each access to it was checked at run time for overlapping accesses, a tenth of the
            // reading thread of an import. Debug builds, which the tests run, still check them.
            swiftSettings: strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Bounces: VERP tokens, the DSN / non-standard bounce reader and the Sisimai-like classifier.
        .target(
            name: "BreachBounces",
            dependencies: ["BreachCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),

        // The use cases: what the command line and the service both do, UI-free.
        .target(
            name: "BreachApp",
            dependencies: [
                "BreachCore", "BreachConfig", "BreachRegister", "BreachPostgres", "BreachCompose",
                "BreachImport", "BreachCharts",
                "BreachTransport", "BreachCurl", "BreachPGP", "BreachBounces",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strict
        ),

        // The service: Hummingbird application, access control, problem responses, operations.
        .target(
            name: "BreachServer",
            dependencies: [
                "BreachApp", "BreachCore", "BreachConfig", "BreachRegister", "BreachImport", "BreachBounces", "BreachTransport",
                "BreachCharts", "BreachCompose",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["openapi.yaml"],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "breachmail",
            dependencies: [
                "BreachApp",
                "BreachCore", "BreachConfig", "BreachRegister", "BreachCompose",
                "BreachImport", "BreachServer", "BreachPostgres",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "BreachTransport", "BreachCurl", "BreachPGP", "BreachBounces",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // Messages composed per second (render + MIME) for 100,000 subjects:
        // `swift run -c release ComposeBenchmark`.
        .executableTarget(
            name: "ComposeBenchmark",
            dependencies: ["BreachCompose", "BreachCore"],
            path: "Benchmarks/ComposeBenchmark",
            swiftSettings: strict
        ),

        // Rows per second and peak memory of `subjects import` for 100,000 and 1,000,000 rows:
        // `swift run -c release ImportBenchmark`.
        .executableTarget(
            name: "ImportBenchmark",
            dependencies: ["BreachImport", "BreachRegister", "BreachConfig", "BreachCore"],
            path: "Benchmarks/ImportBenchmark",
            swiftSettings: strict
        ),
        // status, public-notice and a bounce without a token at 10,000 / 100,000 / 1,000,000 people,
        // now and as before issue 18, side by side: `swift run -c release ScaleBenchmark`.
        .executableTarget(
            name: "ScaleBenchmark",
            dependencies: ["BreachRegister", "BreachCore"],
            path: "Benchmarks/ScaleBenchmark",
            swiftSettings: strict
        ),
        // Bounces parsed and classified per second over the fixtures and any folders given, beside
        // Sisimai (libsisimai-perl) in the same run: `swift run -c release BounceBenchmark [DIR…]`.
        .executableTarget(
            name: "BounceBenchmark",
            dependencies: ["BreachBounces"],
            path: "Benchmarks/BounceBenchmark",
            exclude: ["sisimai.pl"],
            swiftSettings: strict
        ),
        // Messages per second to a local sink; prints figures, never a test (Benchmarks/transport.sh).
        .executableTarget(
            name: "TransportBenchmark",
            dependencies: ["BreachTransport", "BreachCurl", "BreachCore", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/TransportBenchmark",
            swiftSettings: strict
        ),

        // Helpers shared by every test target: temporary directories, the CLI runner,
        // servers on loopback, key makers.
        .target(
            name: "BreachTestSupport",
            dependencies: ["BreachCore"],
            swiftSettings: strict
        ),

        .testTarget(name: "BreachCoreTests", dependencies: ["BreachCore"], swiftSettings: strict),
        .testTarget(name: "BreachChartsTests", dependencies: ["BreachCharts"], swiftSettings: strict),
        .testTarget(
            name: "BreachConfigTests",
            dependencies: ["BreachConfig", "BreachTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachRegisterTests",
            dependencies: ["BreachRegister", "BreachPostgres", "BreachConfig", "BreachTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachCLITests",
            dependencies: ["breachmail", "BreachApp", "BreachBounces", "BreachCore", "BreachTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachAssessCLITests",
            dependencies: ["breachmail", "BreachConfig", "BreachTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachAuthorityCLITests",
            dependencies: ["breachmail", "BreachTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachImportTests",
            dependencies: ["BreachImport", "BreachRegister", "BreachConfig", "BreachCore", "BreachTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachServerTests",
            dependencies: [
                "breachmail", "BreachApp", "BreachBounces", "BreachServer", "BreachRegister", "BreachConfig", "BreachTestSupport", "Yams",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachCurlTests",
            dependencies: ["BreachCurl", "BreachTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachTransportTests",
            dependencies: ["BreachTransport", "BreachCurl", "BreachTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachPGPTests",
            dependencies: ["BreachPGP", "BreachTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachComposeTests",
            dependencies: ["BreachCompose", "BreachTestSupport"],
            exclude: ["Golden"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BreachBouncesTests",
            dependencies: ["BreachBounces", "BreachCurl", "BreachCore", "breachmail", "BreachTestSupport",
                           .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ]
)
